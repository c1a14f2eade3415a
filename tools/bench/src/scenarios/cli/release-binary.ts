import { execFile, spawn } from 'node:child_process';
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild, trackChild } from '../../harness/children';
import type { ScenarioContext } from '../../harness/scenario';

/** Longer than `npm run release` (~30 s) on a loaded machine. */
const BUILD_BUDGET_MS = 300_000;

/** The released CLI the scenario measures, copied out of release/ for the run. */
export interface ReleasedCli {
  /** The copy in the run's temp dir: a `npm run release` by someone else empties release/. */
  readonly path: string;
  readonly sizeBytes: number;
  /** Its `--version` line, e.g. `drover 0.1.0 (commit 1b35b9d…)`. */
  readonly version: string;
  /** How it was obtained, for the notes. */
  readonly origin:
    | { readonly kind: 'found'; readonly builtAt: Date }
    | { readonly kind: 'built'; readonly why: 'missing' | '--build=1'; readonly buildMs: number };
}

/**
 * release/drover, built first with `node tools/bin/release.js` when it is missing or `rebuild` is
 * set, then copied to `intoDir`.
 */
export async function releasedCli(
  ctx: ScenarioContext,
  rebuild: boolean,
  intoDir: string,
): Promise<ReleasedCli> {
  const source = join(ctx.root, 'release', 'drover');
  let origin: ReleasedCli['origin'];
  const found = await stat(source).catch(() => undefined);
  if (found === undefined || rebuild) {
    const why = found === undefined ? 'missing' : '--build=1';
    ctx.progress(
      `release/drover ${why === 'missing' ? 'is missing' : 'rebuilt (--build=1)'}: running node tools/bin/release.js (~30 s)`,
    );
    const t0 = performance.now();
    await buildRelease(ctx);
    origin = { kind: 'built', why, buildMs: performance.now() - t0 };
  } else {
    origin = { kind: 'found', builtAt: found.mtime };
  }
  const path = join(intoDir, 'drover');
  await copyFile(source, path);
  const { size } = await stat(path);
  const { stdout } = await promisify(execFile)(path, ['--version'], {
    timeout: 30_000,
    signal: ctx.signal,
  });
  return { path, sizeBytes: size, version: stdout.trim(), origin };
}

/** `node tools/bin/release.js`, its output on stderr (stdout is the bench's table). */
async function buildRelease(ctx: ScenarioContext): Promise<void> {
  const child = trackChild(
    spawn(process.execPath, [join(ctx.root, 'tools', 'bin', 'release.js')], {
      cwd: ctx.root,
      stdio: ['ignore', 2, 2],
    }),
  );
  const stop = () => void stopChild(child, 'SIGTERM', 5000);
  const timer = setTimeout(stop, BUILD_BUDGET_MS);
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, s) => resolve([c, s]));
      },
    );
    ctx.signal.throwIfAborted();
    if (code !== 0) {
      throw new Error(
        `node tools/bin/release.js failed (${signal ?? `exit ${code}`}${signal === 'SIGTERM' ? `, over its ${BUILD_BUDGET_MS / 1000} s budget` : ''})`,
      );
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
  }
}
