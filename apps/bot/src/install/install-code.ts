import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { BOT_CODE_FILES, installPack, switchTo } from '../update/layout';

export type InstallCodeOutcome =
  | { readonly kind: 'installed'; readonly version: string; readonly launcher: string }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Sets up the launcher layout in the bot's working dir (update/layout.ts): the pack unpacked into
 * versions/<version>, `current` pointing at it (the one before, if any, becomes `previous`), and
 * the pack's launcher.js copied to `<workDir>/launcher.js`, which the unit runs.
 */
export async function installBotCode(workDir: string, pack: Buffer): Promise<InstallCodeOutcome> {
  try {
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const installed = await installPack(workDir, pack);
    if (installed.kind === 'refused') return { kind: 'failed', reason: installed.reason };
    await switchTo(workDir, installed.version);
    const launcher = path.join(workDir, BOT_CODE_FILES.launcher);
    const tmp = `${launcher}.${randomBytes(6).toString('hex')}`;
    await copyFile(path.join(installed.dir, BOT_CODE_FILES.launcher), tmp);
    try {
      await rename(tmp, launcher);
    } finally {
      await rm(tmp, { force: true });
    }
    return { kind: 'installed', version: installed.version, launcher };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { kind: 'failed', reason: `${e.code ?? ''} ${e.message}`.trim() };
  }
}
