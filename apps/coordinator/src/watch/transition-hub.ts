import { isFinalState, type Store, type TaskNote } from '@drover/state';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';

/** A subscriber: told of every committed transition, and once when the hub closes. */
export interface TransitionSubscriber {
  onTransition(change: TaskTransition): void;
  onClose(): void;
}

/**
 * Fans the engine's 'transition' events out to any number of subscribers (WatchTasks streams)
 * through one listener, so that streams come and go without touching the engine's emitter (and
 * its listener limit). A throwing subscriber is isolated from the others. Changes committed by
 * other replicas (several coordinators on PostgreSQL) are read from the store and passed on in
 * the order they arrived, with their previous state unknown here (a state the task had already
 * left when it was read is skipped: the next note tells the newer one).
 */
export class TransitionHub {
  readonly #subscribers = new Set<TransitionSubscriber>();
  readonly #off: () => void;
  #closed = false;

  /** The state of each live task as other replicas' notes told it. */
  readonly #remoteStates = new Map<string, string>();
  /** Remote changes are read one after another, so they reach subscribers in order. */
  #remote: Promise<void> = Promise.resolve();

  /** `store` reads the tasks other replicas changed; without it, their changes are not passed on. */
  constructor(
    engine: Pick<TaskEngine, 'events'> & Partial<Pick<TaskEngine, 'remoteEvents'>>,
    store?: Pick<Store, 'getTask'>,
  ) {
    const listener = (change: TaskTransition) => {
      // Local changes keep the remembered state current, so a remote note is compared with it.
      if (isFinalState(change.task.state)) this.#remoteStates.delete(change.task.id);
      else if (this.#remoteStates.has(change.task.id))
        this.#remoteStates.set(change.task.id, change.task.state);
      for (const s of [...this.#subscribers]) {
        try {
          s.onTransition(change);
        } catch {
          // The subscriber's failure is its own; the others still hear about the change.
        }
      }
    };
    const remote = (note: TaskNote) => {
      // A note tells every write; a transition is a change of state.
      const before = this.#remoteStates.get(note.id);
      if (isFinalState(note.state)) this.#remoteStates.delete(note.id);
      else this.#remoteStates.set(note.id, note.state);
      if (before === note.state) return;
      if (this.#subscribers.size === 0 || store === undefined) return;
      this.#remote = this.#remote
        .then(async () => {
          const task = await store.getTask(note.id);
          // Already changed again: its own note follows (no state is told twice).
          if (task === undefined || task.state !== note.state || this.#closed) return;
          listener({ task, from: undefined });
        })
        .catch(() => undefined);
    };
    engine.events.on('transition', listener);
    engine.remoteEvents?.on('task', remote);
    this.#off = () => {
      engine.events.off('transition', listener);
      engine.remoteEvents?.off('task', remote);
    };
  }

  /** Subscribes until the returned function is called (idempotent) or the hub closes. */
  subscribe(subscriber: TransitionSubscriber): () => void {
    if (this.#closed) {
      subscriber.onClose();
      return () => {};
    }
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  /** How many subscribers there are now (tests check that streams leave none behind). */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Stops listening and tells every subscriber; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#off();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subscribers) {
      try {
        s.onClose();
      } catch {
        // Closing goes on for the others.
      }
    }
  }
}
