import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Esbuild from 'esbuild';
import type { BuildInfo } from '@drover/protocol';

/** What every released program carries: the build info and the protocol, embedded. */
export interface Embedded {
  readonly info: BuildInfo;
  /** protobufjs JSON of proto/drover (libs/protocol/src/load.ts reads it instead of .proto text). */
  readonly protoJson: unknown;
}

/** Modules no released program loads (optional native add-ons, the bundler itself). */
const NEVER_BUNDLED = ['pg-native', 'esbuild'];

/** An entry generated here (a module's text, its imports relative to the repository root). */
export interface GeneratedEntry {
  readonly contents: string;
  /** The name esbuild gives it in messages. */
  readonly sourcefile: string;
}

/**
 * The released drover-bot's main, a multi-call program: invoked under the name `drover` (the
 * symlink `<bot dir>/bin/drover` a bot makes to itself for its tasks: apps/bot/src/task-cli.ts) it
 * is the CLI, under any other name the bot (or its probe: PROBE_MODE_ENV). A Node single
 * executable sees the name it was started by in process.argv0, a symlink's name included. Each
 * side is loaded only when it runs. Generated here: an app may not import another app.
 */
export const BOT_EXECUTABLE_ENTRY: GeneratedEntry = {
  sourcefile: 'drover-bot-multi-call.ts',
  contents: [
    "import path from 'node:path';",
    '',
    "if (path.basename(process.argv0) === 'drover') void import('./apps/cli/src/main');",
    "else void import('./apps/bot/src/executable-main');",
    '',
  ].join('\n'),
};

/**
 * A released single executable's main script: one CommonJS file (Node 20 runs nothing else as an
 * executable's main) with every dependency inside. `import.meta.url` reads as the executable's own
 * file URL; code that builds paths from it runs only from sources.
 */
export async function bundleExecutableMain(
  esbuild: typeof Esbuild,
  repoRoot: string,
  entry: string | GeneratedEntry,
  outfile: string,
  embedded: Embedded,
): Promise<Esbuild.Metafile> {
  const result = await esbuild.build({
    ...common(repoRoot, embedded),
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : {
          stdin: {
            contents: entry.contents,
            sourcefile: entry.sourcefile,
            resolveDir: repoRoot,
            loader: 'ts',
          },
        }),
    outfile,
    format: 'cjs',
    // The SQLite and PostgreSQL stores are the coordinator's: a CLI or bot that reached them
    // would be a bug, found at once.
    external: [...NEVER_BUNDLED, 'better-sqlite3', 'pg'],
    banner: {
      js: "var __droverImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    define: { ...defines(embedded), 'import.meta.url': '__droverImportMetaUrl' },
  });
  return result.metafile!;
}

/**
 * The coordinator: one ES module run by `node`, with better-sqlite3 (its native add-on compiled
 * for this platform) left outside in the release's node_modules. Files of dependencies that find
 * their own assets by `__dirname` (grpc-health-check's and reflection's .proto files) get it as
 * `<release dir>/vendor/<package path>`, where the release build copies those assets.
 */
export async function bundleCoordinator(
  esbuild: typeof Esbuild,
  repoRoot: string,
  entry: string,
  outfile: string,
  embedded: Embedded,
  vendored: Set<string>,
): Promise<Esbuild.Metafile> {
  const result = await esbuild.build({
    ...common(repoRoot, embedded),
    entryPoints: [entry],
    outfile,
    format: 'esm',
    external: [...NEVER_BUNDLED, 'better-sqlite3'],
    banner: {
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __droverRequire } from 'node:module';",
        "import { fileURLToPath as __droverToPath } from 'node:url';",
        'const require = __droverRequire(import.meta.url);',
        "const __droverVendor = (rel) => __droverToPath(new URL(`./vendor/${rel}`, import.meta.url)).replace(/[\\\\/]$/, '');",
      ].join('\n'),
    },
    plugins: [vendorDirnamePlugin(vendored)],
  });
  return result.metafile!;
}

function common(repoRoot: string, embedded: Embedded): Esbuild.BuildOptions {
  return {
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    target: 'node20',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    logOverride: { 'empty-import-meta': 'silent' },
    define: defines(embedded),
  };
}

function defines(embedded: Embedded): Record<string, string> {
  return {
    __DROVER_BUILD_INFO__: JSON.stringify(embedded.info),
    __DROVER_PROTO_JSON__: JSON.stringify(embedded.protoJson),
  };
}

/**
 * Rewrites `__dirname`/`__filename` in dependencies' CommonJS files to paths under the release's
 * vendor/ directory, and records which packages did (their assets are copied there).
 */
function vendorDirnamePlugin(vendored: Set<string>): Esbuild.Plugin {
  return {
    name: 'drover-vendor-dirname',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
        const rel = args.path
          .split(/[\\/]node_modules[\\/]/)
          .pop()!
          .split(path.sep)
          .join('/');
        const parts = rel.split('/');
        vendored.add(parts.slice(0, parts[0]!.startsWith('@') ? 2 : 1).join('/'));
        const dir = path.posix.dirname(rel);
        return {
          contents: text
            .replace(/\b__dirname\b/g, `__droverVendor(${JSON.stringify(dir)})`)
            .replace(/\b__filename\b/g, `__droverVendor(${JSON.stringify(rel)})`),
          loader: 'js',
        };
      });
    },
  };
}
