import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isReleaseBuild } from '@drover/protocol';
import { ConfigError } from '../config-file';
import type { BotCodeConfig } from './bot-code-source';

export const BOT_UPDATE_MODES = ['on', 'off'] as const;

/**
 * `bot-update` (on|off, default on) and `bot-code` (a prebuilt pack: a build directory or its
 * bot-code.pack) → where the served bot code comes from. On without bot-code: a release's own
 * bot-code.pack, or, from sources, built from this checkout on first need, cached by source hash
 * in <data-dir>/bot-code.
 */
export function compileBotCodeConfig(
  botUpdate: string | undefined,
  botCode: string | undefined,
  dataDir: string,
): BotCodeConfig {
  const mode = botUpdate ?? 'on';
  if (!(BOT_UPDATE_MODES as readonly string[]).includes(mode))
    throw new ConfigError(`bot-update: must be on or off, got ${JSON.stringify(mode)}`);
  if (mode === 'off') {
    if (botCode !== undefined) throw new ConfigError('bot-code: given while bot-update is off');
    return Object.freeze({ kind: 'off' });
  }
  if (botCode !== undefined) return Object.freeze({ kind: 'file', path: resolve(botCode) });
  // A released coordinator serves the pack built with it (tools/src/packaging), beside its bundle.
  if (isReleaseBuild())
    return Object.freeze({
      kind: 'file',
      path: fileURLToPath(new URL('./bot-code.pack', import.meta.url)),
    });
  return Object.freeze({ kind: 'build', cacheDir: join(dataDir, 'bot-code') });
}
