import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo, isSingleExecutable } from '@drover/protocol';
import { VERSION_FILE, type BotCodeManifest } from './layout';

/** Where the running bot code comes from, and so whether it can replace itself. */
export interface CodeContext {
  /**
   * What Hello says: version.json's version when the code runs from an installed pack
   * (`<root>/versions/<version>/`), else the package version (a bot run from the repository).
   */
  readonly version: string;
  /** The launcher layout's root when the code runs from `<root>/versions/<version>/`. */
  readonly root: string | undefined;
  /** Started by the launcher (an IPC channel to it), which restarts it after an update. */
  readonly underLauncher: boolean;
}

/**
 * `moduleUrl` is the running bundle's import.meta.url (main's); `hasLauncherChannel` whether the
 * process has an IPC channel (process.send). Reads version.json beside the code, once, at start.
 */
export function codeContext(
  moduleUrl: string,
  packageVersion: string,
  hasLauncherChannel: boolean,
): CodeContext {
  // A released single executable is replaced as a whole, by its installer: no launcher layout.
  if (isSingleExecutable())
    return { version: executableVersion(), root: undefined, underLauncher: false };
  const codeDir = path.dirname(fileURLToPath(moduleUrl));
  let manifest: BotCodeManifest | undefined;
  try {
    manifest = JSON.parse(
      readFileSync(path.join(codeDir, VERSION_FILE), 'utf8'),
    ) as BotCodeManifest;
  } catch {
    manifest = undefined;
  }
  const installed =
    manifest !== undefined &&
    typeof manifest.version === 'string' &&
    path.basename(path.dirname(codeDir)) === 'versions';
  return {
    version: installed ? manifest!.version : packageVersion,
    root: installed ? path.dirname(path.dirname(codeDir)) : undefined,
    underLauncher: installed && hasLauncherChannel,
  };
}

/** What a released executable says in Hello: `<version>+<first 12 hex of its commit>`. */
export function executableVersion(): string {
  const { version, commit } = buildInfo();
  return `${version}+${commit.slice(0, 12)}`;
}
