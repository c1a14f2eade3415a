import type { CoordinatorMessage } from '@drover/protocol';
import type { Logger } from 'pino';
import type { BotCode, BotCodeSource } from './bot-code-source';

/**
 * One bot session's side of bot self-update: a bot whose Hello said `self_update` and whose
 * version is not the served one is sent Update — only while it holds no task (at Hello, when a
 * task ends, when the served code changes) and once per version per session: a bot that declines
 * (it tried that version lately and it failed) is not asked again until it reconnects.
 *
 * The bot answers an Update it takes with a heartbeat saying it is updating (it takes no tasks
 * meanwhile), then leaves and comes back with the new version.
 */
export class BotUpdateOffer {
  #version = '';
  #selfUpdate = false;
  #asked = '';
  #closed = false;
  readonly #onChanged = (code: BotCode) => this.#offer(code);

  constructor(
    private readonly deps: {
      readonly source: BotCodeSource;
      /** Writes to the bot's stream; false if it is not connected. */
      readonly send: (message: CoordinatorMessage) => boolean;
      /** Whether the bot holds a task now. */
      readonly busy: () => boolean;
      readonly log: Logger;
    },
  ) {}

  /** On Hello. Call `idle()` after it when the bot holds no task. */
  hello(version: string, selfUpdate: boolean): void {
    this.#version = version;
    this.#selfUpdate = selfUpdate && this.deps.source.enabled;
    if (this.#selfUpdate) this.deps.source.events.on('changed', this.#onChanged);
  }

  /** The bot holds no task: asks it to update if it runs other code than the served one. */
  idle(): void {
    if (!this.#selfUpdate || this.#closed) return;
    const code = this.deps.source.peek();
    // Not built yet: 'changed' offers it when it is.
    if (code !== undefined) this.#offer(code);
  }

  close(): void {
    this.#closed = true;
    this.deps.source.events.off('changed', this.#onChanged);
  }

  #offer(code: BotCode): void {
    if (this.#closed || code.version === this.#version || code.version === this.#asked) return;
    if (this.deps.busy()) return;
    if (
      !this.deps.send({
        update: { version: code.version, sha256: code.sha256, size: code.pack.length },
      })
    )
      return;
    this.#asked = code.version;
    this.deps.log.info({ from: this.#version, to: code.version }, 'asked the bot to update');
  }
}
