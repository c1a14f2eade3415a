import { createRequire } from 'node:module';

/** The bot's version, from apps/bot/package.json; sent in Hello. */
export const BOT_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
