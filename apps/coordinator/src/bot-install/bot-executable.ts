import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { ConfigError } from '../config-file';
import { isReleaseBuild } from '@drover/protocol';

/** The platform the release builds bots for, and the name the coordinator serves one under. */
export const BOT_PLATFORM = 'linux-x64';
export const BOT_EXECUTABLE_NAME = `drover-bot-${BOT_PLATFORM}`;

/**
 * Where a released coordinator finds the bot executable it serves: `bot/` beside its bundle
 * (tools/src/packaging lays it out). Run from sources: none, unless --bot-executable names one.
 */
export function defaultBotExecutable(): string | undefined {
  if (!isReleaseBuild()) return undefined;
  const beside = fileURLToPath(new URL(`./bot/${BOT_EXECUTABLE_NAME}`, import.meta.url));
  return existsSync(beside) ? beside : undefined;
}

/** The executable's identity, as the install script checks it. */
export interface BotExecutableInfo {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * The bot executable /bot/ serves. Its SHA-256 is taken once, when the coordinator starts: that is
 * what install.sh is told to expect, so a file changed on disk afterwards is refused by every
 * installer instead of being installed unnoticed (restart the coordinator to serve a new one).
 */
export class BotExecutable {
  readonly #info: Promise<BotExecutableInfo>;

  constructor(readonly path: string) {
    this.#info = hashFile(path);
    // Read on first use; a failure is reported to each request, not as an unhandled rejection.
    this.#info.catch(() => undefined);
  }

  info(): Promise<BotExecutableInfo> {
    return this.#info;
  }

  /** The file's bytes, as many as it had when hashed (the Content-Length sent). */
  async open(): Promise<NodeJS.ReadableStream> {
    const { size } = await this.#info;
    return createReadStream(this.path, { start: 0, end: Math.max(0, size - 1) });
  }
}

/** The executable at `path`, checked to be a readable file (a ConfigError names it if not). */
export function openBotExecutable(path: string): BotExecutable {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new ConfigError(`bot-executable: cannot read ${path} (${(err as Error).message})`);
  }
  return new BotExecutable(path);
}

async function hashFile(path: string): Promise<BotExecutableInfo> {
  const { size } = await stat(path);
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve());
  });
  return { path, size, sha256: hash.digest('hex') };
}
