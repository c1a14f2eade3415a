import pkg from '../package.json' with { type: 'json' };

/**
 * apps/bot/package.json's version (inlined when the bot is bundled). A bot run from the
 * repository says this in Hello; a bundled one says `<this>+<hash of its code>`
 * (update/code-context.ts).
 */
export const BOT_PACKAGE_VERSION: string = pkg.version;

/** @see BOT_PACKAGE_VERSION */
export const BOT_VERSION: string = BOT_PACKAGE_VERSION;
