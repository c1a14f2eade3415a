import { execFileSync } from 'node:child_process';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import pkg from '../package.json' with { type: 'json' };

/** What a Drover program was built from: the release's version and the git commit. */
export interface BuildInfo {
  /** The release version (the root package.json's, the same for every package). */
  readonly version: string;
  /** The full git commit hash, with `-dirty` when the tree had changes; `unknown` outside git. */
  readonly commit: string;
}

/**
 * Set by the release build (tools/src/packaging) through esbuild's `define`: a released program
 * says what it was built from without git or package.json beside it.
 */
declare const __DROVER_BUILD_INFO__: BuildInfo | undefined;

let fromSources: BuildInfo | undefined;

/**
 * The build info: the one the release build put in, or, run from sources, the package version and
 * `git rev-parse HEAD` of the checkout (read once, on first call: nothing at start-up).
 */
export function buildInfo(): BuildInfo {
  if (typeof __DROVER_BUILD_INFO__ !== 'undefined') return __DROVER_BUILD_INFO__;
  fromSources ??= { version: pkg.version, commit: gitCommit() };
  return fromSources;
}

/** `<name> <version> (commit <hash>)`: what every program's `--version` prints. */
export function versionLine(name: string): string {
  const info = buildInfo();
  return `${name} ${info.version} (commit ${info.commit})`;
}

/** Whether this program runs from the release build (bundled), not from sources. */
export function isReleaseBuild(): boolean {
  return typeof __DROVER_BUILD_INFO__ !== 'undefined';
}

/**
 * Whether this process is a released single executable (drover, drover-bot): process.execPath is
 * then the program itself, and running it again runs Drover, not node.
 */
export function isSingleExecutable(): boolean {
  return isSea();
}

function gitCommit(): string {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5_000,
      }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}
