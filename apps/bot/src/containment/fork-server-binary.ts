import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getAsset, isSea } from 'node:sea';

/**
 * Where the fork server's executable (fork-server.ts) comes from:
 * - the released drover-bot carries it as an asset (built with the release): written once to
 *   `<botDir>/drover-spawn` (0700) when what is there differs;
 * - a checkout compiles apps/bot/native/drover-spawn.c with the C compiler that builds the SQLite
 *   driver (`cc`), once per source: `apps/bot/node_modules/.cache/drover-spawn/<hash>/`;
 * - anything else (bundled bot code, no compiler, `DROVER_FORK_SERVER=off`): none, and the bot
 *   forks payloads itself as before.
 */

/** The asset's name in the released drover-bot. */
export const FORK_SERVER_ASSET = 'drover-spawn';

export type ForkServerBinary =
  | { readonly ok: true; readonly path: string; readonly from: 'release' | 'compiled' }
  | { readonly ok: false; readonly why: string };

export async function forkServerBinary(
  botDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  moduleUrl: string = import.meta.url,
): Promise<ForkServerBinary> {
  if (env.DROVER_FORK_SERVER === 'off') return { ok: false, why: 'DROVER_FORK_SERVER=off' };
  if (isSea()) return fromAsset(botDir);
  const source = forkServerSource(moduleUrl);
  if (source === undefined) return { ok: false, why: 'no fork server in this build' };
  return compile(
    source,
    path.resolve(path.dirname(source), '..', 'node_modules', '.cache'),
    env.CC,
  );
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
    bytes = Buffer.from(getAsset(FORK_SERVER_ASSET));
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
 */
export async function compile(
  source: string,
  cacheRoot: string,
  cc = 'cc',
): Promise<ForkServerBinary> {
  let text: Buffer;
  try {
    text = readFileSync(source);
  } catch (err) {
    return { ok: false, why: `cannot read ${source}: ${(err as Error).message}` };
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(cacheRoot, 'drover-spawn', hash);
  const out = path.join(dir, 'drover-spawn');
  if (existsSync(out)) return { ok: true, path: out, from: 'compiled' };
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(dir, { recursive: true });
    await promisify(execFile)(cc, ['-O2', '-o', tmp, source], {
      timeout: COMPILE_TIMEOUT_MS,
      maxBuffer: 1 << 20,
    });
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why =
      e.code === 'ENOENT' ? 'no C compiler (cc)' : `${e.message}${e.stderr ? `: ${e.stderr}` : ''}`;
    return { ok: false, why: `cannot compile ${source}: ${why}` };
  }
  return { ok: true, path: out, from: 'compiled' };
}
