import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { botCodeVersion, packBotCode, sha256Hex, type BotCodeFile } from '@drover/protocol';
import type * as Esbuild from 'esbuild';
import { BOT_CODE_FILES, BOT_CODE_MANIFEST, BOT_CODE_PACK, type BotCodeManifest } from './layout';
import { listFiles } from './list-files';
import { compile as compileForkServer, FORK_SERVER_ASSET } from '../containment/fork-server-binary';

/**
 * Builds the bot code: esbuild bundles drover-bot (src/main.ts), the launcher and the probe child,
 * each into one self-contained ESM file with every dependency inside (grpc-js, pino, yaml,
 * systeminformation, the workspace libs), beside the .proto files the protocol loads at run time
 * and a package.json saying `"type": "module"`. The machine that runs it needs node, nothing else.
 *
 * Output, one directory per source hash under `cacheDir` (a second build of the same sources
 * returns the first): `files/` (the tree, runnable in place), `bot-code.pack` (the same files as
 * one deterministic byte string, libs/protocol's bot-code-pack.ts) and `bot-code.json`.
 */

export interface BuildBotCodeOptions {
  /** The repository root: apps/bot, libs, proto and node_modules are under it. */
  readonly repoRoot: string;
  /** Built code is kept here, one directory per source hash. */
  readonly cacheDir: string;
}

export interface BuiltBotCode extends BotCodeManifest {
  /** The build's directory: files/, bot-code.pack, bot-code.json. */
  readonly dir: string;
  /** Whether it was there already (same sources). */
  readonly cached: boolean;
}

/** What the bundle's sources are: every file under these, plus the lock file. */
const SOURCE_ROOTS = [
  'apps/bot/src',
  'apps/bot/native',
  'apps/bot/package.json',
  'libs/protocol/src',
  'libs/protocol/package.json',
  'libs/state/src',
  'proto/drover',
  'package-lock.json',
];

export async function buildBotCode(opts: BuildBotCodeOptions): Promise<BuiltBotCode> {
  const esbuild: typeof Esbuild = await import('esbuild');
  const sourceHash = await hashSources(opts.repoRoot, esbuild.version);
  const dir = path.join(opts.cacheDir, sourceHash.slice(0, 16));
  const existing = await readManifest(dir);
  if (existing !== undefined) return { ...existing, dir, cached: true };

  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    const files = await bundle(esbuild, opts.repoRoot, path.join(tmp, 'files'));
    const packageVersion = await botPackageVersion(opts.repoRoot);
    const pack = packBotCode({ packageVersion, files });
    const sha256 = sha256Hex(pack);
    const manifest: BotCodeManifest = {
      version: botCodeVersion(packageVersion, sha256),
      packageVersion,
      sha256,
      size: pack.length,
      sourceHash,
    };
    await writeFile(path.join(tmp, BOT_CODE_PACK), pack);
    await writeFile(path.join(tmp, BOT_CODE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another build of the same sources won the race: theirs is the same.
      const theirs = await readManifest(dir);
      if (theirs === undefined) throw err;
      return { ...theirs, dir, cached: true };
    }
    return { ...manifest, dir, cached: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The manifest of a build directory, if it holds a complete build. */
export async function readManifest(dir: string): Promise<BotCodeManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, BOT_CODE_MANIFEST), 'utf8')) as unknown;
    const manifest = m as Partial<BotCodeManifest>;
    if (typeof manifest.version !== 'string' || typeof manifest.sha256 !== 'string')
      return undefined;
    await stat(path.join(dir, BOT_CODE_PACK));
    return manifest as BotCodeManifest;
  } catch {
    return undefined;
  }
}

async function bundle(
  esbuild: typeof Esbuild,
  repoRoot: string,
  outDir: string,
): Promise<BotCodeFile[]> {
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: {
      [stripJs(BOT_CODE_FILES.bot)]: 'apps/bot/src/main.ts',
      [stripJs(BOT_CODE_FILES.launcher)]: 'apps/bot/src/update/launcher-main.ts',
      [stripJs(BOT_CODE_FILES.probeChild)]: 'apps/bot/src/probe-system-facts-child.js',
    },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: false,
    write: false,
    logLevel: 'silent',
    // CommonJS dependencies call require() for node built-ins: give the ESM output one.
    banner: {
      js: "import { createRequire as __droverRequire } from 'node:module'; const require = __droverRequire(import.meta.url);",
    },
    // Only a bot run from the repository builds code (install); a bundled one never does.
    external: ['esbuild'],
    plugins: [protoDirPlugin(), pureLibsPlugin()],
  });
  const files: BotCodeFile[] = result.outputFiles.map((f) => ({
    path: path.relative(outDir, f.path).split(path.sep).join('/'),
    mode: 0o644,
    data: Buffer.from(f.contents),
  }));
  const protoRoot = path.join(repoRoot, 'proto');
  for (const rel of await listFiles(path.join(protoRoot, 'drover'))) {
    if (!rel.endsWith('.proto')) continue;
    files.push({
      path: `proto/drover/${rel}`,
      mode: 0o644,
      data: await readFile(path.join(protoRoot, 'drover', rel)),
    });
  }
  // The fork server (containment/fork-server.ts), built for this machine; without a C compiler
  // here the code goes without it, and its bots fork payloads themselves.
  const server = await compileForkServer(
    path.join(repoRoot, 'apps/bot/native/drover-spawn.c'),
    path.join(repoRoot, 'apps/bot/node_modules/.cache'),
    process.env['CC'] ?? 'cc',
    true,
  );
  if (server.ok)
    files.push({ path: FORK_SERVER_ASSET, mode: 0o755, data: await readFile(server.path) });
  const packageVersion = await botPackageVersion(repoRoot);
  files.push({
    path: 'package.json',
    mode: 0o644,
    data: Buffer.from(
      `${JSON.stringify({ name: '@drover/bot-code', version: packageVersion, private: true, type: 'module' }, null, 2)}\n`,
    ),
  });
  for (const f of files) {
    await mkdir(path.dirname(path.join(outDir, f.path)), { recursive: true });
    await writeFile(path.join(outDir, f.path), f.data, { mode: f.mode });
  }
  return files;
}

/**
 * libs/protocol finds the .proto files at ../../../proto from its own source file; in the bundle
 * they sit beside the bundle file, in proto/.
 */
function protoDirPlugin(): Esbuild.Plugin {
  const from = "new URL('../../../proto', import.meta.url)";
  return {
    name: 'drover-proto-dir',
    setup(build) {
      build.onLoad({ filter: /libs[\\/]protocol[\\/]src[\\/]load\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(from))
          throw new Error(`${args.path} no longer says ${from}: update build-bundle.ts`);
        return {
          contents: text.replace(from, "new URL('./proto', import.meta.url)"),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * The workspace libs (libs/state, libs/protocol) have no side effects at import: marking them so
 * lets esbuild drop what the bot does not use — the SQLite and PostgreSQL stores with
 * better-sqlite3's native addon, and in the launcher everything but the layout code.
 */
function pureLibsPlugin(): Esbuild.Plugin {
  return {
    name: 'drover-pure-libs',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === INNER) return undefined;
        if (!args.path.startsWith('@drover/') && !PURE_LIB.test(args.importer)) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: INNER,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return {
          path: resolved.path,
          namespace: resolved.namespace,
          external: resolved.external,
          sideEffects: PURE_LIB.test(resolved.path) ? false : resolved.sideEffects,
        };
      });
    },
  };
}

const PURE_LIB = /libs[\\/](state|protocol)[\\/]src[\\/]/;

/** Marks the resolve a plugin asks esbuild for, so that the plugin does not see it again. */
const INNER = Symbol('inner');

async function hashSources(repoRoot: string, esbuildVersion: string): Promise<string> {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`);
  for (const root of SOURCE_ROOTS) {
    const abs = path.join(repoRoot, root);
    const info = await stat(abs);
    const rels = info.isDirectory() ? (await listFiles(abs)).map((r) => `${root}/${r}`) : [root];
    for (const rel of rels) {
      hash.update(`${rel}\n`);
      hash.update(await readFile(path.join(repoRoot, rel)));
    }
  }
  return hash.digest('hex');
}

async function botPackageVersion(repoRoot: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'apps/bot/package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function stripJs(file: string): string {
  return file.replace(/\.js$/, '');
}
