import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from './children';
import { procMemory } from './coordinator-child';

/**
 * The plain baseline: execa in a small process of its own (bin/bench-plain-spawner.js), so that
 * the bench process's heap (deep-queue's index, BullMQ, grpc) does not slow its spawns: a fork
 * copies the page tables of the process that spawns, and costs more the bigger it is.
 */
export class PlainSpawner {
  readonly #child: ChildProcess;
  #nextId = 0;
  readonly #waiting = new Map<
    number,
    { resolve: (m: Reply) => void; reject: (e: Error) => void }
  >();

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (m: Reply) => {
      const waiter = this.#waiting.get(m.id);
      if (waiter === undefined) return;
      this.#waiting.delete(m.id);
      if (m.type === 'error') waiter.reject(new Error(`plain spawner: ${m.error}`));
      else waiter.resolve(m);
    });
    child.once('exit', (code, signal) => {
      for (const w of this.#waiting.values()) {
        w.reject(new Error(`plain spawner exited (${signal ?? code})`));
      }
      this.#waiting.clear();
    });
  }

  static async start(root: string): Promise<PlainSpawner> {
    const child = trackChild(
      fork(join(root, 'tools', 'bench', 'bin', 'bench-plain-spawner.js'), [], {
        cwd: root,
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('plain spawner: not ready in 30 s')), 30_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`plain spawner exited (${code})`)));
    });
    return new PlainSpawner(child);
  }

  /** ms from just before the spawn to the payload's own stamp, and to its exit seen. */
  async sample(
    command: readonly string[],
  ): Promise<{ payloadStartMs: number; exitSeenMs: number }> {
    const m = await this.#ask({ type: 'sample', command });
    if (m.type !== 'sample') throw new Error('plain spawner: unexpected reply');
    return m;
  }

  /** Spawns `command` `count` times, `concurrency` at a time; the elapsed ms. */
  async loop(command: readonly string[], count: number, concurrency: number): Promise<number> {
    const m = await this.#ask({ type: 'loop', command, count, concurrency });
    if (m.type !== 'loop') throw new Error('plain spawner: unexpected reply');
    return m.elapsedMs;
  }

  /** The spawner's process id (its CPU time, in /proc). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The spawner's RSS (bytes), for the notes. */
  rssBytes(): number {
    return procMemory(this.#child.pid)?.rssBytes ?? 0;
  }

  close(): Promise<void> {
    return stopChild(this.#child, 'SIGTERM', 5000);
  }

  #ask(message: Record<string, unknown>): Promise<Reply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#child.send({ ...message, id });
    });
  }
}

type Reply =
  | { readonly type: 'sample'; readonly id: number; payloadStartMs: number; exitSeenMs: number }
  | { readonly type: 'loop'; readonly id: number; readonly elapsedMs: number }
  | { readonly type: 'error'; readonly id: number; readonly error: string };
