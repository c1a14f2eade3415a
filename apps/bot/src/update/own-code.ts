import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBotCode } from '@drover/protocol';
import { listFiles } from './list-files';
import { BOT_CODE_PACK, VERSION_FILE, readVersionFile } from './layout';

export type PackOutcome =
  | { readonly ok: true; readonly pack: Buffer; readonly source: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The bot code pack `drover-bot install` puts in place: `botCode`'s (a .pack, or a build dir
 * holding bot-code.pack); else, for a bot run from an installed version, its own code (packed
 * again: the same files give the same pack); else built from this checkout (build-bundle.ts,
 * cached under node_modules/.cache/drover-bot-code).
 */
export async function packForInstall(
  botCode: string | undefined,
  codeDir: string,
): Promise<PackOutcome> {
  if (botCode !== undefined) {
    try {
      const file = (await stat(botCode)).isDirectory()
        ? path.join(botCode, BOT_CODE_PACK)
        : botCode;
      return { ok: true, pack: await readFile(file), source: file };
    } catch (err) {
      return { ok: false, reason: `--bot-code: cannot read ${botCode} (${errnoCode(err)})` };
    }
  }
  const own = await readVersionFile(codeDir);
  if (own !== undefined) {
    const files = [];
    for (const rel of await listFiles(codeDir)) {
      if (rel === VERSION_FILE) continue;
      files.push({ path: rel, mode: 0o644, data: await readFile(path.join(codeDir, rel)) });
    }
    return {
      ok: true,
      pack: packBotCode({ packageVersion: own.packageVersion, files }),
      source: `this bot's own code, ${own.version}`,
    };
  }
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
  try {
    const { buildBotCode } = await import('./build-bundle');
    const built = await buildBotCode({
      repoRoot,
      cacheDir: path.join(repoRoot, 'node_modules', '.cache', 'drover-bot-code'),
    });
    return {
      ok: true,
      pack: await readFile(path.join(built.dir, BOT_CODE_PACK)),
      source: `built from ${repoRoot}`,
    };
  } catch (err) {
    return {
      ok: false,
      reason: `cannot build the bot code here (${err instanceof Error ? err.message : String(err)}); give --bot-code`,
    };
  }
}

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
