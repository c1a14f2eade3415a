import type {
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  GraphRun,
  Quest,
} from '../../graph/graph-types';
import type { FwdDepsBatch } from '../../graph/cycle-search';

/**
 * What a graph transaction asks of its database, one row operation at a time. The transactions
 * (graph-transactions.ts) yield these; a dialect's driver runs each and sends back its answer
 * (GraphStepResults), synchronously inside a better-sqlite3 transaction or with `await` inside a
 * PostgreSQL BEGIN/COMMIT. Writes are conditional on the row as read: a lost race throws.
 */
export type GraphStep =
  | { readonly kind: 'read-quest'; readonly id: string }
  /** `lock`: the transaction may change the row (PostgreSQL: SELECT … FOR UPDATE). */
  | { readonly kind: 'read-attempt'; readonly id: AttemptId; readonly lock: boolean }
  | { readonly kind: 'read-execution'; readonly id: ExecutionId; readonly lock: boolean }
  /** The attempts with an edge to `id`, sorted by quest, then number. */
  | { readonly kind: 'read-back-deps'; readonly id: AttemptId }
  /** The forward deps of the attempts with these keys: one level of the cycle search. */
  | { readonly kind: 'read-fwd-deps'; readonly keys: readonly string[] }
  /** Serializes edge insertion across writers, so that the cycle search sees every edge. */
  | { readonly kind: 'lock-edges' }
  /** Insert-or-ignore: a quest that exists keeps its row (and its name). */
  | { readonly kind: 'insert-quest'; readonly quest: Quest }
  | { readonly kind: 'insert-attempt'; readonly attempt: Attempt }
  | { readonly kind: 'insert-execution'; readonly execution: Execution }
  | { readonly kind: 'insert-edge'; readonly from: AttemptId; readonly to: AttemptId }
  /** A pipeline run; its id is new (a duplicate throws). */
  | { readonly kind: 'insert-run'; readonly run: GraphRun }
  /** Conditional on `before`'s state and execution count. */
  | { readonly kind: 'write-attempt'; readonly before: Attempt; readonly after: Attempt }
  /** Conditional on `before`'s state. */
  | { readonly kind: 'write-execution'; readonly before: Execution; readonly after: Execution };

export type GraphStepKind = GraphStep['kind'];

/** What each step answers. */
export interface GraphStepResults {
  'read-quest': Quest | undefined;
  'read-attempt': Attempt | undefined;
  'read-execution': Execution | undefined;
  'read-back-deps': AttemptId[];
  'read-fwd-deps': FwdDepsBatch;
  'lock-edges': void;
  /** True when the quest was new (an existing one is left as it was). */
  'insert-quest': boolean;
  /** True when the attempt was new. */
  'insert-attempt': boolean;
  'insert-execution': void;
  'insert-edge': void;
  'insert-run': void;
  'write-attempt': void;
  'write-execution': void;
}

type StepOf<K extends GraphStepKind> = Extract<GraphStep, { readonly kind: K }>;

/** A graph transaction: yields steps, receives their results, returns its outcome. */
export type GraphTx<R> = Generator<GraphStep, R, unknown>;

/** One step, typed by its kind: `const attempt = yield* step({ kind: 'read-attempt', … })`. */
export function* step<S extends GraphStep>(s: S): GraphTx<GraphStepResults[S['kind']]> {
  return (yield s) as GraphStepResults[S['kind']];
}

/** A dialect's synchronous driver: how it runs each kind of step. */
export type SyncGraphSteps = {
  readonly [K in GraphStepKind]: (s: StepOf<K>) => GraphStepResults[K];
};

/** A dialect's asynchronous driver. */
export type AsyncGraphSteps = {
  readonly [K in GraphStepKind]: (s: StepOf<K>) => Promise<GraphStepResults[K]>;
};

/** Runs a transaction to its end with no await: call it inside the database's transaction. */
export function runSync<R>(tx: GraphTx<R>, steps: SyncGraphSteps): R {
  let next = tx.next();
  while (next.done !== true) next = tx.next(take<unknown>(steps, next.value));
  return next.value;
}

/** Runs a transaction to its end, awaiting each step: call it inside BEGIN/COMMIT. */
export async function runAsync<R>(tx: GraphTx<R>, steps: AsyncGraphSteps): Promise<R> {
  let next = tx.next();
  while (next.done !== true) next = tx.next(await take<Promise<unknown>>(steps, next.value));
  return next.value;
}

function take<T>(steps: { readonly [K in GraphStepKind]: (s: StepOf<K>) => T }, s: GraphStep): T {
  // The mapped type pairs each kind with its handler; TypeScript cannot narrow the pair itself.
  return (steps[s.kind] as (s: GraphStep) => T)(s);
}
