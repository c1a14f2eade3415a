import { readFile } from 'node:fs/promises';
import type { BotConfig } from './config';

export type TokenOutcome =
  { readonly ok: true; readonly token: string } | { readonly ok: false; readonly message: string };

/**
 * The bot token: given directly (DROVER_BOT_TOKEN, which main keeps out of every task's
 * environment), or the first line of the token file, read once at start. The bot keeps it in
 * memory only: never in its environment or command line, which its payloads could read
 * (/proc/<pid>/environ, /proc/<pid>/cmdline) if they ran as the bot's user.
 */
export async function readBotToken(
  config: Pick<BotConfig, 'token' | 'tokenFile'>,
): Promise<TokenOutcome> {
  if (config.token !== undefined) return { ok: true, token: config.token.trim() };
  let text: string;
  try {
    text = await readFile(config.tokenFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return {
      ok: false,
      message: `no bot token: put it in ${config.tokenFile} (${code}), or give it in DROVER_BOT_TOKEN`,
    };
  }
  const token = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (token === '') return { ok: false, message: `no bot token: ${config.tokenFile} is empty` };
  return { ok: true, token };
}
