import { readFile } from 'node:fs/promises';
import type { BotConfig } from './config';

export type TokenOutcome =
  { readonly ok: true; readonly token: string } | { readonly ok: false; readonly message: string };

/** The bot token: given directly, or the first line of the token file. */
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
      message: `no bot token: give --token / DROVER_BOT_TOKEN, or put it in ${config.tokenFile} (${code})`,
    };
  }
  const token = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (token === '') return { ok: false, message: `no bot token: ${config.tokenFile} is empty` };
  return { ok: true, token };
}
