import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  copyFile,
  cp,
  link,
  mkdir,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as Esbuild from 'esbuild';
import { droverProtoJson, type BuildInfo } from '@drover/protocol';
import {
  BOT_EXECUTABLE_ENTRY,
  bundleCoordinator,
  bundleExecutableMain,
  type Embedded,
} from './bundle';

import { makeSingleExecutable } from './single-executable';

/**
 * `npm run release`: builds release/ for linux-x64 from this checkout, offline.
 *
 *   release/drover                        the CLI, a single executable (no Node.js needed)
 *   release/drover-bot                    the bot, a single executable (run as `drover`, the CLI)
 *   release/drover-coordinator/           the coordinator, run by `node` (20.19+) alone:
 *     bin/drover-coordinator                its command
 *     drover-coordinator.mjs                the bundled code
 *     node_modules/better-sqlite3           the SQLite driver and its native add-on, built here
 *     static/                               the dashboard
 *     vendor/                               .proto files dependencies read at run time
 *     bot/drover-bot-linux-x64              the bot executable it serves to /bot/install.sh
 *     bot-code.pack                         the bot code it serves to self-updating bots
 *     drover.example.yaml                   the config file's example
 *   release/SHA256SUMS                    `sha256sum -c` checks every file above
 *
 * Every program's --version says the same version and commit. Options: `--out DIR`.
 */

const PLATFORM = 'linux-x64';
const BOT_EXECUTABLE_NAME = `drover-bot-${PLATFORM}`;
/** The fork server's asset name in drover-bot (apps/bot/src/containment/fork-server-binary.ts). */
const FORK_SERVER_ASSET = 'drover-spawn';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function main(): Promise<void> {
  const started = Date.now();
  const outArg = process.argv.indexOf('--out');
  const out = path.resolve(outArg > 0 ? process.argv[outArg + 1]! : path.join(repoRoot, 'release'));
  if (`${process.platform}-${process.arch}` !== PLATFORM) {
    throw new Error(
      `release builds for ${PLATFORM} only; this is ${process.platform}-${process.arch}`,
    );
  }
  const esbuild: typeof Esbuild = await import('esbuild');
  const info = await releaseBuildInfo();
  const embedded: Embedded = { info, protoJson: droverProtoJson() };
  const work = path.join(out, '.build');
  await rm(out, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const say = (what: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${what}\n`);
  say(`building Drover ${info.version} (commit ${info.commit}) into ${out}`);

  const forkServer = await compileForkServer(work);
  say('drover-spawn: the fork server, compiled');

  // drover-bot carries the CLI too: run as `drover` (its tasks' DROVER_CLI), it is the CLI.
  for (const [name, entry] of [
    ['drover', 'apps/cli/src/main.ts'],
    ['drover-bot', BOT_EXECUTABLE_ENTRY],
  ] as const) {
    const main = path.join(work, `${name}.cjs`);
    await bundleExecutableMain(esbuild, repoRoot, entry, main, embedded);
    await makeSingleExecutable({
      main,
      output: path.join(out, name),
      work,
      // The bot's fork server (apps/bot/src/containment/fork-server.ts) goes inside drover-bot.
      ...(name === 'drover-bot' ? { assets: { [FORK_SERVER_ASSET]: forkServer } } : {}),
    });
    say(`${name}: single executable`);
  }

  const coordDir = path.join(out, 'drover-coordinator');
  const vendored = new Set<string>();
  await bundleCoordinator(
    esbuild,
    repoRoot,
    'apps/coordinator/src/main.ts',
    path.join(coordDir, 'drover-coordinator.mjs'),
    embedded,
    vendored,
  );
  await chmod(path.join(coordDir, 'drover-coordinator.mjs'), 0o755);
  await assembleCoordinator(coordDir, vendored, out, work);
  say(`drover-coordinator: bundle, better-sqlite3, dashboard, bot code`);

  const sums = await writeChecksums(out);
  say(`SHA256SUMS: ${sums} files`);
  await rm(work, { recursive: true, force: true });
  say('done');
}

/**
 * The bot's fork server, compiled here (a C compiler is here: it builds better-sqlite3), linked
 * statically so that it runs on a C library older than this machine's, as node itself does. Fails
 * the release when it cannot be built: a bot without it still works, but slower, and nobody would
 * know.
 */
async function compileForkServer(work: string): Promise<string> {
  const output = path.join(work, FORK_SERVER_ASSET);
  await promisify(execFile)(
    process.env['CC'] ?? 'cc',
    ['-O2', '-s', '-static', '-o', output, path.join(repoRoot, 'apps/bot/native/drover-spawn.c')],
    { maxBuffer: 1 << 20 },
  );
  return output;
}

/** Version from package.json; commit from git (DROVER_RELEASE_COMMIT overrides, e.g. in CI). */
async function releaseBuildInfo(): Promise<BuildInfo> {
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  let commit = process.env['DROVER_RELEASE_COMMIT'] ?? '';
  if (commit === '') {
    try {
      const git = (args: string[]) =>
        execFileSync('git', args, {
          cwd: repoRoot,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
      commit = git(['rev-parse', 'HEAD']);
      if (git(['status', '--porcelain', '--untracked-files=no']) !== '') commit += '-dirty';
    } catch {
      commit = 'unknown';
    }
  }
  return { version: pkg.version, commit };
}

/** Everything the coordinator's bundle finds beside itself. */
async function assembleCoordinator(
  dir: string,
  vendored: ReadonlySet<string>,
  out: string,
  work: string,
): Promise<void> {
  const nm = path.join(repoRoot, 'node_modules');
  // better-sqlite3 as node_modules lays it out (bindings finds the add-on from the package root),
  // with only what runs: its lib/, the compiled add-on, and its run-time dependencies.
  const sqlite = path.join(dir, 'node_modules', 'better-sqlite3');
  await cp(path.join(nm, 'better-sqlite3', 'lib'), path.join(sqlite, 'lib'), { recursive: true });
  await copyFile(
    path.join(nm, 'better-sqlite3', 'package.json'),
    path.join(sqlite, 'package.json'),
  );
  await copyFile(path.join(nm, 'better-sqlite3', 'LICENSE'), path.join(sqlite, 'LICENSE'));
  await mkdir(path.join(sqlite, 'build', 'Release'), { recursive: true });
  await copyFile(
    path.join(nm, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    path.join(sqlite, 'build', 'Release', 'better_sqlite3.node'),
  );
  for (const dep of ['bindings', 'file-uri-to-path']) {
    await cp(path.join(nm, dep), path.join(dir, 'node_modules', dep), { recursive: true });
  }
  // The .proto files of the packages that find theirs by __dirname, where they look for them.
  for (const pkg of vendored) {
    for (const rel of await filesUnder(path.join(nm, pkg))) {
      if (!rel.endsWith('.proto') || rel.includes('node_modules/')) continue;
      await mkdir(path.dirname(path.join(dir, 'vendor', pkg, rel)), { recursive: true });
      await copyFile(path.join(nm, pkg, rel), path.join(dir, 'vendor', pkg, rel));
    }
  }
  await cp(path.join(repoRoot, 'apps/coordinator/src/dashboard/static'), path.join(dir, 'static'), {
    recursive: true,
  });
  await copyFile(
    path.join(repoRoot, 'apps/coordinator/src/bot-install/install.sh'),
    path.join(dir, 'install.sh'),
  );
  await copyFile(
    path.join(repoRoot, 'apps/coordinator/drover.example.yaml'),
    path.join(dir, 'drover.example.yaml'),
  );
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'drover-coordinator', private: true, type: 'module' }, null, 2)}\n`,
  );
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(
    path.join(dir, 'bin', 'drover-coordinator'),
    [
      '#!/bin/sh',
      '# Runs the Drover coordinator with the node on PATH (Node.js 20.19 or newer); needs',
      '# nothing else on PATH. A symlink to this file (e.g. in /usr/local/bin) is followed.',
      'self=$0',
      'if [ -L "$self" ] && command -v readlink >/dev/null 2>&1; then self=$(readlink -f "$self"); fi',
      'case $self in */*) dir=${self%/*} ;; *) dir=. ;; esac',
      'exec node "$dir/../drover-coordinator.mjs" "$@"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  // The bot it serves: the same bytes as release/drover-bot.
  await mkdir(path.join(dir, 'bot'), { recursive: true });
  await link(path.join(out, 'drover-bot'), path.join(dir, 'bot', BOT_EXECUTABLE_NAME));
  // The bot code self-updating bots (installed with node and the launcher) run.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(repoRoot, 'apps/bot/bin/build-bot-code.js'), '--out', path.join(work, 'bot-code')],
    { maxBuffer: 1 << 20 },
  );
  const built = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { dir: string };
  await copyFile(path.join(built.dir, 'bot-code.pack'), path.join(dir, 'bot-code.pack'));
}

/** Writes SHA256SUMS (as `sha256sum` prints it) over every file under `out`; returns the count. */
async function writeChecksums(out: string): Promise<number> {
  const lines: string[] = [];
  for (const rel of await filesUnder(out)) {
    if (rel === 'SHA256SUMS' || rel.startsWith('.build/')) continue;
    lines.push(`${await sha256File(path.join(out, rel))}  ${rel}`);
  }
  await writeFile(path.join(out, 'SHA256SUMS'), `${lines.join('\n')}\n`);
  return lines.length;
}

async function filesUnder(root: string, rel = ''): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) found.push(...(await filesUnder(root, r)));
    else if ((await stat(path.join(root, r))).isFile()) found.push(r);
  }
  return found;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `release: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
