import { randomBytes } from 'node:crypto';
import {
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { botCodeVersion, sha256Hex, unpackBotCode } from '@drover/protocol';

/**
 * The launcher layout of a bot's root directory (its --dir, as `drover-bot install` sets it up):
 *
 *   <root>/launcher.js             what systemd runs; starts current/drover-bot.js
 *   <root>/versions/<version>/     one unpacked bot code pack each, with version.json
 *   <root>/current -> versions/<v> the version to run (a symlink, swapped with rename)
 *   <root>/previous -> versions/<v> the one before, to fall back on
 *   <root>/bad-versions.json       versions that failed to connect: not retried for an hour
 *
 * Every change is a write to a temporary name and a rename, so a crash at any point leaves either
 * the old or the new state.
 */

export const BOT_CODE_FILES = {
  bot: 'drover-bot.js',
  launcher: 'launcher.js',
  probeChild: 'probe-system-facts-child.js',
} as const;
export const BOT_CODE_PACK = 'bot-code.pack';
export const BOT_CODE_MANIFEST = 'bot-code.json';
/** Beside the code in versions/<version>/: what the code is (not part of the pack). */
export const VERSION_FILE = 'version.json';
export const BAD_VERSIONS_FILE = 'bad-versions.json';
/** A version that failed is not tried again for this long. */
export const BAD_VERSION_BACKOFF_MS = 60 * 60 * 1000;

export interface BotCodeManifest {
  readonly version: string;
  readonly packageVersion: string;
  readonly sha256: string;
  readonly size: number;
  /** The build's source hash (absent for code that came from a coordinator). */
  readonly sourceHash?: string;
}

export type InstallOutcome =
  | { readonly kind: 'installed'; readonly dir: string; readonly version: string }
  | { readonly kind: 'refused'; readonly reason: string };

export function versionsDir(root: string): string {
  return path.join(root, 'versions');
}

/**
 * Unpacks a pack into versions/<version>/ (or finds it there already), after checking that its
 * SHA-256 is `expectedSha256` (when given) and that it is a well-formed pack.
 */
export async function installPack(
  root: string,
  pack: Buffer,
  expectedSha256?: string,
): Promise<InstallOutcome> {
  const sha256 = sha256Hex(pack);
  if (expectedSha256 !== undefined && sha256 !== expectedSha256)
    return { kind: 'refused', reason: `sha256 ${sha256} is not the expected ${expectedSha256}` };
  const unpacked = unpackBotCode(pack);
  if (!unpacked.ok) return { kind: 'refused', reason: unpacked.reason };
  if (!unpacked.files.some((f) => f.path === BOT_CODE_FILES.bot))
    return { kind: 'refused', reason: `the pack has no ${BOT_CODE_FILES.bot}` };
  const version = botCodeVersion(unpacked.packageVersion, sha256);
  const dir = path.join(versionsDir(root), version);
  const have = await readVersionFile(dir);
  if (have?.sha256 === sha256) return { kind: 'installed', dir, version };

  const tmp = path.join(versionsDir(root), `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    for (const f of unpacked.files) {
      const file = path.join(tmp, ...f.path.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, f.data, { mode: f.mode });
    }
    const manifest: BotCodeManifest = {
      version,
      packageVersion: unpacked.packageVersion,
      sha256,
      size: pack.length,
    };
    await writeFile(path.join(tmp, VERSION_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { kind: 'installed', dir, version };
}

/** What versions/<v>/version.json says, if it is there. */
export async function readVersionFile(dir: string): Promise<BotCodeManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, VERSION_FILE), 'utf8')) as BotCodeManifest;
    return typeof m.version === 'string' && typeof m.sha256 === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The version a pointer (`current`, `previous`) names, if it exists. */
export async function pointerVersion(
  root: string,
  name: 'current' | 'previous',
): Promise<string | undefined> {
  try {
    const target = await readlink(path.join(root, name));
    return path.basename(target);
  } catch {
    return undefined;
  }
}

/** Points `name` at versions/<version> atomically (a new symlink renamed over the old one). */
export async function setPointer(
  root: string,
  name: 'current' | 'previous',
  version: string,
): Promise<void> {
  const tmp = path.join(root, `.${name}-${randomBytes(6).toString('hex')}`);
  await symlink(path.join('versions', version), tmp);
  try {
    await rename(tmp, path.join(root, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Makes `version` current and the one that was current previous, then removes every other version
 * (a root keeps at most two). Returns the version that was current.
 */
export async function switchTo(root: string, version: string): Promise<string | undefined> {
  const was = await pointerVersion(root, 'current');
  if (was !== undefined && was !== version) await setPointer(root, 'previous', was);
  await setPointer(root, 'current', version);
  await pruneVersions(root, [version, was ?? version]);
  return was;
}

/** Makes `previous` current again (the new version failed). Returns it, if there was one. */
export async function rollBack(root: string): Promise<string | undefined> {
  const previous = await pointerVersion(root, 'previous');
  if (previous === undefined) return undefined;
  await setPointer(root, 'current', previous);
  return previous;
}

async function pruneVersions(root: string, keep: readonly string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(versionsDir(root));
  } catch {
    return;
  }
  for (const name of names) {
    if (keep.includes(name) || name.startsWith('.tmp-')) continue;
    await rm(path.join(versionsDir(root), name), { recursive: true, force: true });
  }
}

export interface BadVersion {
  readonly markedAtMs: number;
  readonly reason: string;
}

export async function readBadVersions(root: string): Promise<Record<string, BadVersion>> {
  try {
    const parsed = JSON.parse(
      await readFile(path.join(root, BAD_VERSIONS_FILE), 'utf8'),
    ) as unknown;
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, BadVersion>)
      : {};
  } catch {
    return {};
  }
}

/** Records that `version` failed (kept for BAD_VERSION_BACKOFF_MS; older marks are dropped). */
export async function markBad(
  root: string,
  version: string,
  reason: string,
  nowMs: number,
): Promise<void> {
  const marks = await readBadVersions(root);
  const kept: Record<string, BadVersion> = {};
  for (const [v, mark] of Object.entries(marks))
    if (nowMs - mark.markedAtMs < BAD_VERSION_BACKOFF_MS) kept[v] = mark;
  kept[version] = { markedAtMs: nowMs, reason };
  const tmp = path.join(root, `.${BAD_VERSIONS_FILE}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${JSON.stringify(kept, null, 2)}\n`);
  await rename(tmp, path.join(root, BAD_VERSIONS_FILE));
}

/** The mark of `version` if it failed less than BAD_VERSION_BACKOFF_MS ago. */
export async function recentlyBad(
  root: string,
  version: string,
  nowMs: number,
): Promise<BadVersion | undefined> {
  const mark = (await readBadVersions(root))[version];
  return mark !== undefined && nowMs - mark.markedAtMs < BAD_VERSION_BACKOFF_MS ? mark : undefined;
}
