import { sliceDeadlineAtMs } from '../task/slice-deadline';
import type { StoredTaskState } from '../task/task-state';
import type { KeyValue, Task } from '../task/types';

/**
 * What another coordinator sharing the database committed (DESIGN.md §6): enough for a replica
 * to keep its dispatch index, timers, bot pushes and watchers in step without polling.
 */
export type ChangeNote = TaskNote | OutputNote | BotNote | AccessNote | ResyncNote;

/** A task was created or changed state, slice, lease or kill request. */
export interface TaskNote {
  readonly kind: 'task';
  readonly id: string;
  readonly state: StoredTaskState;
  readonly slice: number;
  readonly botId: string | null;
  readonly leaseId: string | null;
  readonly killRequested: boolean;
  /**
   * For a PENDING task, what the dispatch index needs; absent when it did not fit in a
   * notification (the receiver reads the task).
   */
  readonly pending?: PendingNote;
}

export interface PendingNote {
  readonly priority: number;
  readonly createdAtMs: number;
  readonly deadlineAtMs: number;
  readonly dimensions: readonly KeyValue[];
  readonly terminate: boolean;
  /** The hash of the slice's input tree (cas_input_root), if any: cache-aware dispatch. */
  readonly inputTree?: string;
}

/** A RUNNING task's output grew to `size` bytes. */
export interface OutputNote {
  readonly kind: 'output';
  readonly id: string;
  readonly size: number;
}

/** A bot's record changed (it connected, heartbeated, left, or an admin changed it). */
export interface BotNote {
  readonly kind: 'bot';
  readonly id: string;
  /** Absent when the record was deleted or changed by an admin (read it). */
  readonly connected?: boolean;
  readonly sessionId?: string;
  readonly lastSeenMs?: number;
}

/**
 * A token, principal or bot group was created, changed, revoked or deleted (service Access):
 * reload them (they are few). Not sent for last-used times or the audit log.
 */
export interface AccessNote {
  readonly kind: 'access';
}

/** The feed was interrupted: notes may have been missed, so rebuild what depends on them. */
export interface ResyncNote {
  readonly kind: 'resync';
}

/**
 * Changes made by the other users of a shared database (other coordinator replicas), in commit
 * order. Embedded stores have none: their process is the only writer.
 */
export interface ChangeFeed {
  /** Calls `fn` for every note until the returned function is called. */
  subscribe(fn: (note: ChangeNote) => void): () => void;
  /** Resolves once notes are being received (what is committed after it will be seen). */
  ready(): Promise<void>;
}

/** The note for a committed task write. */
export function taskNote(task: Task): TaskNote {
  const base = {
    kind: 'task' as const,
    id: task.id,
    state: task.state,
    slice: task.currentSlice,
    botId: task.botId,
    leaseId: task.leaseId,
    killRequested: task.killRequestedAtMs !== null,
  };
  if (task.state !== 'PENDING') return base;
  const slice = task.spec.slices[task.currentSlice];
  if (slice === undefined) return base;
  return {
    ...base,
    pending: {
      priority: task.spec.priority,
      createdAtMs: task.createdAtMs,
      deadlineAtMs: sliceDeadlineAtMs(task.spec, task.createdAtMs, task.currentSlice),
      dimensions: slice.properties.dimensions,
      terminate: task.spec.terminate !== undefined,
      ...(slice.properties.casInputRoot === undefined
        ? {}
        : { inputTree: slice.properties.casInputRoot.hash }),
    },
  };
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_NOTE_BYTES = 7900;

/**
 * The wire form of a note from the replica `origin`: JSON, with a PENDING task's dispatch data
 * dropped when the whole would not fit (the receiver then reads the task).
 */
export function encodeNote(origin: string, note: ChangeNote): string {
  const text = JSON.stringify({ r: origin, n: note });
  if (Buffer.byteLength(text) <= MAX_NOTE_BYTES || note.kind !== 'task') return text;
  const { pending: _dropped, ...rest } = note;
  return JSON.stringify({ r: origin, n: rest });
}

/** The note and its origin, or undefined for a payload this code does not understand. */
export function decodeNote(payload: string): { origin: string; note: ChangeNote } | undefined {
  try {
    const parsed = JSON.parse(payload) as { r?: unknown; n?: { kind?: unknown } };
    if (typeof parsed.r !== 'string' || typeof parsed.n !== 'object' || parsed.n === null) {
      return undefined;
    }
    const kind = parsed.n.kind;
    if (kind !== 'task' && kind !== 'output' && kind !== 'bot' && kind !== 'access') {
      return undefined;
    }
    return { origin: parsed.r, note: parsed.n as ChangeNote };
  } catch {
    return undefined;
  }
}
