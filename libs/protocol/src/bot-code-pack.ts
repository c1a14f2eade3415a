import { createHash } from 'node:crypto';

/**
 * The bot code pack: the self-contained bot (drover-bot's bundle: its JS files, the .proto files
 * it loads) as one byte string, the unit the coordinator serves (BotApi.GetBotCode) and whose
 * SHA-256 names the version. Deterministic: the same files give the same bytes, so replicas that
 * build the same sources serve the same version.
 *
 *   drover-bot-code 1\n
 *   {"packageVersion":"0.1.0","files":[{"path":"a.js","mode":420,"size":12},…]}\n
 *   <the bytes of each file, in the order of `files`>
 */

export const BOT_CODE_MAGIC = 'drover-bot-code 1\n';

export interface BotCodeFile {
  /** Relative, `/`-separated, no `..`, no leading `/`. */
  readonly path: string;
  /** Permission bits (0o644, 0o755). */
  readonly mode: number;
  readonly data: Buffer;
}

export interface BotCodeContents {
  /** apps/bot/package.json's version at build time. */
  readonly packageVersion: string;
  readonly files: readonly BotCodeFile[];
}

export type UnpackOutcome =
  ({ readonly ok: true } & BotCodeContents) | { readonly ok: false; readonly reason: string };

const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.@+-]+(?:\/[A-Za-z0-9_.@+-]+)*$/;
const PACKAGE_VERSION = /^[0-9A-Za-z.-]{1,64}$/;

/** Packs files (sorted by path; modes reduced to 0o644 or 0o755). */
export function packBotCode(contents: BotCodeContents): Buffer {
  if (!PACKAGE_VERSION.test(contents.packageVersion))
    throw new Error(`bot code: bad package version ${JSON.stringify(contents.packageVersion)}`);
  const files = [...contents.files].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const f of files) {
    if (!SAFE_PATH.test(f.path)) throw new Error(`bot code: bad path ${JSON.stringify(f.path)}`);
  }
  const header = {
    packageVersion: contents.packageVersion,
    files: files.map((f) => ({ path: f.path, mode: normalMode(f.mode), size: f.data.length })),
  };
  return Buffer.concat([
    Buffer.from(BOT_CODE_MAGIC),
    Buffer.from(`${JSON.stringify(header)}\n`),
    ...files.map((f) => f.data),
  ]);
}

/** The files of a pack; refuses anything malformed (a bad path, sizes that do not add up). */
export function unpackBotCode(pack: Buffer): UnpackOutcome {
  const fail = (reason: string): UnpackOutcome => ({ ok: false, reason });
  if (!pack.subarray(0, BOT_CODE_MAGIC.length).equals(Buffer.from(BOT_CODE_MAGIC)))
    return fail('not a drover bot code pack');
  const headerEnd = pack.indexOf(0x0a, BOT_CODE_MAGIC.length);
  if (headerEnd < 0) return fail('no header');
  let header: unknown;
  try {
    header = JSON.parse(pack.subarray(BOT_CODE_MAGIC.length, headerEnd).toString('utf8'));
  } catch {
    return fail('header is not JSON');
  }
  const h = header as { packageVersion?: unknown; files?: unknown };
  if (typeof h.packageVersion !== 'string' || !PACKAGE_VERSION.test(h.packageVersion))
    return fail('header: bad packageVersion');
  if (!Array.isArray(h.files)) return fail('header: no files');
  const files: BotCodeFile[] = [];
  let offset = headerEnd + 1;
  for (const entry of h.files as Array<{ path?: unknown; mode?: unknown; size?: unknown }>) {
    if (typeof entry.path !== 'string' || !SAFE_PATH.test(entry.path))
      return fail(`header: bad path ${JSON.stringify(entry.path)}`);
    if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0)
      return fail(`header: bad size for ${entry.path}`);
    if (offset + entry.size > pack.length) return fail(`truncated at ${entry.path}`);
    files.push({
      path: entry.path,
      mode: normalMode(typeof entry.mode === 'number' ? entry.mode : 0o644),
      data: pack.subarray(offset, offset + entry.size),
    });
    offset += entry.size;
  }
  if (offset !== pack.length) return fail('trailing bytes after the last file');
  return { ok: true, packageVersion: h.packageVersion, files };
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The version a pack goes by: `<package version>+<first 12 hex digits of its SHA-256>`. */
export function botCodeVersion(packageVersion: string, sha256: string): string {
  return `${packageVersion}+${sha256.slice(0, 12)}`;
}

function normalMode(mode: number): number {
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}
