// A WebSocket client for the dashboard's /ws in tests: every message kept, waits with deadlines.
import { WebSocket } from 'ws';
import type { RunningCoordinator } from '../../src/index';

/** A TaskOutput in canonical JSON (int64 as strings, bytes as base64). */
export interface TaskOutputJson {
  readonly offset: string;
  readonly output: string;
  readonly state: string;
  readonly size: string;
}

/**
 * A message of the dashboard's socket, loosely typed for assertions: `tasks` items are
 * TaskResults, `bots` items BotInfos, `task` a TaskResult, `output` a TaskOutput (docs/json.md).
 */
export interface LiveMessage {
  readonly type: string;
  readonly task_id?: string;
  readonly output?: TaskOutputJson;
  readonly items?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly result?: Readonly<Record<string, unknown>> & { readonly task_id: string };
}

export class LiveSocket {
  readonly ws: WebSocket;
  readonly messages: LiveMessage[] = [];
  readonly #waiters = new Set<() => void>();
  closed: { code: number } | undefined;

  constructor(coord: RunningCoordinator) {
    this.ws = new WebSocket(`ws://${coord.httpAddress}/ws`);
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as LiveMessage);
      for (const w of this.#waiters) w();
    });
    this.ws.on('close', (code) => {
      this.closed = { code };
      for (const w of this.#waiters) w();
    });
  }

  async open(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (from the start) satisfying `pred`; rejects at the deadline. */
  next(pred: (m: LiveMessage) => boolean, deadlineMs = 15_000): Promise<LiveMessage> {
    return this.until(() => this.messages.find(pred), deadlineMs);
  }

  /** Resolves with `check()` once it is not undefined, re-checking on every message. */
  until<T>(check: () => T | undefined, deadlineMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(test);
      };
      const test = () => {
        const v = check();
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (this.closed !== undefined) {
          done();
          reject(new Error(`socket closed (${this.closed.code})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such message within ${deadlineMs} ms`));
      }, deadlineMs);
      this.#waiters.add(test);
      test();
    });
  }

  /** The output received for `taskId`, in order. */
  output(taskId: string): string {
    return Buffer.concat(
      this.messages
        .filter((m) => m.type === 'output' && m.task_id === taskId)
        .map((m) => Buffer.from(m.output?.output ?? '', 'base64')),
    ).toString('utf8');
  }

  close(): void {
    this.ws.terminate();
  }
}
