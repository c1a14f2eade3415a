import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as sea from 'node:sea';

/**
 * Where the fork server's executable (fork-server.ts) comes from:
 * - the released drover-bot carries it as an asset (built with the release): written once to
 *   `<botDir>/drover-spawn` (0700) when what is there differs;
 * - the bot code self-updating bots run (update/build-bundle.ts) has it beside its bundle, built
 *   with the code (on linux-x64: elsewhere it fails to start, and the bot forks payloads itself);
 * - a checkout compiles apps/bot/native/drover-spawn.c with the C compiler that builds the SQLite
 *   driver (`cc`), once per source: `apps/bot/node_modules/.cache/drover-spawn/<hash>/`;
 * - anything else (bundled bot code, no compiler, `DROVER_FORK_SERVER=off`): none, and the bot
 *   forks payloads itself as before.
 */

/** The asset's name in the released drover-bot. */
export const FORK_SERVER_ASSET = 'drover-spawn';

export type ForkServerBinary =
  | {
      readonly ok: true;
      readonly path: string;
      readonly from: 'release' | 'bundled' | 'compiled';
    }
  | { readonly ok: false; readonly why: string };

export async function forkServerBinary(
  botDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  moduleUrl: string = import.meta.url,
): Promise<ForkServerBinary> {
  if (env.DROVER_FORK_SERVER === 'off') return { ok: false, why: 'DROVER_FORK_SERVER=off' };
  if (sea.isSea()) return fromAsset(botDir);
  const beside = besideBundle(moduleUrl);
  if (beside !== undefined) return { ok: true, path: beside, from: 'bundled' };
  const source = forkServerSource(moduleUrl);
  if (source === undefined) return { ok: false, why: 'no fork server in this build' };
  return compile(
    source,
    path.resolve(path.dirname(source), '..', 'node_modules', '.cache'),
    env.CC,
  );
}

/** `drover-spawn` beside the bundle this module is part of (the bot code's files). */
function besideBundle(moduleUrl: string): string | undefined {
  let file: string;
  try {
    file = fileURLToPath(moduleUrl);
  } catch {
    return undefined;
  }
  if (file.endsWith('.ts')) return undefined;
  const binary = path.join(path.dirname(file), FORK_SERVER_ASSET);
  return existsSync(binary) ? binary : undefined;
}

/** The C source beside this module in a checkout; undefined in bundled code. */
export function forkServerSource(moduleUrl: string = import.meta.url): string | undefined {
  let file: string;
  try {
    file = fileURLToPath(moduleUrl);
  } catch {
    return undefined;
  }
  if (!file.endsWith(path.join('apps', 'bot', 'src', 'containment', 'fork-server-binary.ts')))
    return undefined;
  const source = path.resolve(path.dirname(file), '..', '..', 'native', 'drover-spawn.c');
  return existsSync(source) ? source : undefined;
}

async function fromAsset(botDir: string): Promise<ForkServerBinary> {
  let bytes: Buffer;
  try {
    // Node.js 20.12 and later.
    if (typeof sea.getAsset !== 'function') throw new Error('node:sea has no getAsset');
    bytes = Buffer.from(sea.getAsset(FORK_SERVER_ASSET));
  } catch (err) {
    return { ok: false, why: `no ${FORK_SERVER_ASSET} in this executable: ${String(err)}` };
  }
  const file = path.join(botDir, FORK_SERVER_ASSET);
  try {
    const there = await readFile(file).catch(() => undefined);
    if (there === undefined || !there.equals(bytes)) {
      const tmp = `${file}.tmp-${process.pid}`;
      await rm(tmp, { force: true });
      await writeFile(tmp, bytes, { mode: 0o700 });
      await rename(tmp, file);
    }
    await chmod(file, 0o700);
  } catch (err) {
    return { ok: false, why: `cannot write ${file}: ${(err as Error).message}` };
  }
  return { ok: true, path: file, from: 'release' };
}

/** How long a compile may take. */
const COMPILE_TIMEOUT_MS = 60_000;

/**
 * `cc -O2` of `source` into `<cacheRoot>/drover-spawn/<hash of the source>/drover-spawn`, unless
 * it is there; several processes compiling at once each rename a finished file into place.
 * `portable`: linked statically where the C library allows it (code that runs on other machines,
 * whose C library may be older than this one's), dynamically otherwise.
 */
export async function compile(
  source: string,
  cacheRoot: string,
  cc = 'cc',
  portable = false,
): Promise<ForkServerBinary> {
  let text: Buffer;
  try {
    text = readFileSync(source);
  } catch (err) {
    return { ok: false, why: `cannot read ${source}: ${(err as Error).message}` };
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, 'drover-spawn', portable ? `${hash}-static` : hash);
  const out = path.join(dir, 'drover-spawn');
  if (existsSync(out)) return { ok: true, path: out, from: 'compiled' };
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  const attempts = portable ? [['-static', '-s'], []] : [[]];
  let why = '';
  for (const flags of attempts) {
    try {
      await mkdir(dir, { recursive: true });
      await promisify(execFile)(cc, ['-O2', ...flags, '-o', tmp, source], {
        timeout: COMPILE_TIMEOUT_MS,
        maxBuffer: 1 << 20,
      });
      await rename(tmp, out);
      return { ok: true, path: out, from: 'compiled' };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      why =
        e.code === 'ENOENT'
          ? 'no C compiler (cc)'
          : `${e.message}${e.stderr ? `: ${e.stderr}` : ''}`;
      if (e.code === 'ENOENT') break;
    }
  }
  return { ok: false, why: `cannot compile ${source}: ${why}` };
}
