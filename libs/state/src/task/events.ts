import type { InputsFetch, KeyValues, TaskOutputs, TimedOut } from './types';

/** Everything that can happen to a task after it was created. */
export type TaskEvent =
  | {
      readonly type: 'dispatch';
      readonly botId: string;
      readonly botDimensions: readonly KeyValues[];
      readonly leaseId: string;
    }
  | { readonly type: 'process-started'; readonly leaseId: string }
  | {
      readonly type: 'finish';
      readonly leaseId: string;
      readonly exitCode: number | null;
      readonly durationSecs: number;
      readonly timedOut: TimedOut;
      readonly killed: boolean;
      readonly canceled: boolean;
      /** Non-empty: the bot could not run the request as given. */
      readonly clientError: string;
      /** The files of DROVER_OUTDIR, stored already; recorded with the final state. */
      readonly outputs?: TaskOutputs;
      /** Non-empty: why `outputs` is incomplete; a line of the summary. */
      readonly outputsNote?: string;
      /**
       * The kernel's OOM killer killed a process of the task under its memory limit (the
       * cgroup's memory.events oom_kill): a line of the summary, the state unchanged by it.
       */
      readonly memoryLimitKilled?: boolean;
      /** TaskFinished's inputs_fetch_duration and inputs_fetched_bytes; recorded as they are. */
      readonly inputsFetch?: InputsFetch;
    }
  | {
      readonly type: 'cancel';
      readonly killRunning: boolean;
      /** Who asked (a principal's name): kept as the task's canceledBy; absent for the system. */
      readonly by?: string;
    }
  /** The current slice's deadline passed. `capacity[i]`: some known bot could run slice i. */
  | { readonly type: 'expire'; readonly capacity: readonly boolean[] }
  | { readonly type: 'bot-died'; readonly leaseId: string; readonly reason: string };

export type TaskEventType = TaskEvent['type'];

/** What the shell must do after committing a transition. */
export type TaskEffect =
  /** The task's visible state changed: wake watchers (WaitTask, dashboards). */
  | { readonly type: 'notify' }
  /** The task waits in slice `slice`: put it in the dispatch index. */
  | { readonly type: 'enqueue'; readonly slice: number }
  /** Take the task out of the dispatch index. */
  | { readonly type: 'dequeue' }
  /** Send the task to the bot under this lease. */
  | { readonly type: 'assign'; readonly botId: string; readonly leaseId: string }
  /** Tell the bot to stop the task's process (termination dance). */
  | {
      readonly type: 'kill';
      readonly botId: string;
      readonly leaseId: string;
      readonly reason: string;
    }
  /** Run `expire` for this task at `atMs` (the current slice's deadline). */
  | { readonly type: 'schedule-expiry'; readonly atMs: number }
  /** The bot is free for another task. */
  | { readonly type: 'release-bot'; readonly botId: string };

/** Why an event does not apply. Expected outcomes, not errors. */
export type Refusal =
  | 'stale-lease'
  | 'not-pending'
  | 'not-running'
  | 'final'
  | 'running-needs-kill'
  | 'not-due'
  /** A dispatch to a bot that does not match the task's current slice (it changed meanwhile). */
  | 'dimensions-mismatch';
