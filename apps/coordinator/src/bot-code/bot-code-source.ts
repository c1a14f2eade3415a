import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { botCodeVersion, sha256Hex, unpackBotCode } from '@drover/protocol';
import type { Logger } from 'pino';
import { ConfigError } from '../config-file';

/** The bot code the coordinator serves (BotApi.GetBotCode) and asks bots to run (Update). */
export interface BotCode {
  /** `<bot package version>+<first 12 hex of sha256>`. */
  readonly version: string;
  readonly sha256: string;
  /** libs/protocol's bot code pack. */
  readonly pack: Buffer;
}

/**
 * Where the bot code comes from: nowhere (updates off); a prebuilt pack (`--bot-code`: a build
 * directory holding bot-code.pack, or the .pack file); or built from this checkout
 * (apps/bot/bin/build-bot-code.js) into `cacheDir`, once per source hash.
 */
export type BotCodeConfig =
  | { readonly kind: 'off' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'build'; readonly cacheDir: string };

export const BUILD_SCRIPT = fileURLToPath(
  new URL('../../../bot/bin/build-bot-code.js', import.meta.url),
);

/** Runs the build; resolves with the build directory. */
export type BuildBotCode = (cacheDir: string) => Promise<string>;

/**
 * Holds the bot code. A prebuilt pack is read at start (a bad one is a ConfigError); building
 * waits for the first bot that can update (or the first GetBotCode), so that a coordinator that
 * no such bot talks to never builds. Emits 'changed' when the code is (re)loaded.
 */
export class BotCodeSource {
  /** One 'changed' listener per self-updating bot session: no listener limit. */
  readonly events = new EventEmitter<{ changed: [BotCode] }>().setMaxListeners(0);
  #code: BotCode | undefined;
  #loading: Promise<BotCode | undefined> | undefined;
  #lastFailureMs = -Infinity;

  constructor(
    private readonly config: BotCodeConfig,
    private readonly log: Logger,
    private readonly build: BuildBotCode = runBuildScript,
  ) {
    if (config.kind === 'file') this.#code = readBotCode(config.path, `bot-code ${config.path}`);
  }

  get enabled(): boolean {
    return this.config.kind !== 'off';
  }

  /** The code if it is loaded; otherwise starts loading it (see load) and says undefined. */
  peek(): BotCode | undefined {
    if (this.#code === undefined && this.enabled) void this.load();
    return this.#code;
  }

  /** The code, built first if need be (once: concurrent callers share the build). */
  load(): Promise<BotCode | undefined> {
    if (this.#code !== undefined || this.config.kind !== 'build')
      return Promise.resolve(this.#code);
    // A failed build is not retried at once on every Hello.
    if (Date.now() - this.#lastFailureMs < 60_000) return Promise.resolve(undefined);
    this.#loading ??= this.#build(this.config.cacheDir).finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** Serves the code at `path` from now on (a build directory or a .pack file). */
  use(path: string): BotCode {
    const code = readBotCode(path, path);
    this.#set(code);
    return code;
  }

  async #build(cacheDir: string): Promise<BotCode | undefined> {
    const startedMs = Date.now();
    try {
      const dir = await this.build(cacheDir);
      const code = readBotCode(dir, dir);
      this.log.info(
        { version: code.version, bytes: code.pack.length, ms: Date.now() - startedMs, dir },
        'bot code ready',
      );
      this.#set(code);
      return code;
    } catch (err) {
      this.#lastFailureMs = Date.now();
      this.log.error({ err }, 'building the bot code failed; bots are not updated');
      return undefined;
    }
  }

  #set(code: BotCode): void {
    const changed = this.#code?.sha256 !== code.sha256;
    this.#code = code;
    if (changed) this.events.emit('changed', code);
  }
}

/** Reads and checks a pack (a build directory's bot-code.pack, or the file). */
export function readBotCode(path: string, what: string): BotCode {
  let file = path;
  let pack: Buffer;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'bot-code.pack');
    pack = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${file}: ${(err as Error).message}`);
  }
  const unpacked = unpackBotCode(pack);
  if (!unpacked.ok) throw new ConfigError(`${what}: ${file}: ${unpacked.reason}`);
  const sha256 = sha256Hex(pack);
  return { version: botCodeVersion(unpacked.packageVersion, sha256), sha256, pack };
}

function runBuildScript(cacheDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BUILD_SCRIPT, '--out', cacheDir],
      { timeout: 300_000, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${BUILD_SCRIPT} failed: ${err.message}\n${stderr}`));
          return;
        }
        try {
          const lines = stdout.trim().split('\n');
          resolve((JSON.parse(lines[lines.length - 1] ?? '') as { dir: string }).dir);
        } catch {
          reject(new Error(`${BUILD_SCRIPT} printed no manifest: ${stdout}`));
        }
      },
    );
  });
}
