import { msToTimestamp, type GraphData, type QuestWire } from '@drover/protocol';
import {
  attemptKey,
  type Attempt,
  type AttemptId,
  type Execution,
  type Quest,
  type Store,
} from '@drover/state';
import { attemptToWire, descToWire, type Include, type ResultLoad } from './graph-wire';

export const WALK_LIMITS = {
  maxTimeMs: 55_000,
  defaultMaxDataSize: 16 * 1024 * 1024,
  maxDataSize: 30 * 1024 * 1024,
} as const;

/** What one attempt costs the data budget besides its result (a rough wire size). */
const ATTEMPT_OVERHEAD_BYTES = 256;
const EXECUTION_OVERHEAD_BYTES = 128;

export type Direction = 'FORWARDS' | 'BACKWARDS' | 'BOTH';

export interface WalkOptions {
  readonly seeds: readonly AttemptId[];
  readonly direction: Direction;
  readonly dfs: boolean;
  /** -1 = no limit; 0 = the seeds only. */
  readonly maxDepth: number;
  readonly maxTimeMs: number;
  readonly maxDataSize: number;
  readonly include: Include;
  /** Whether the caller may see this attempt's result object (its size is always reported). */
  readonly mayReadResult: (attempt: Attempt, quest: Quest) => boolean;
}

/**
 * WalkGraph: visits the seeds, then their neighbours in `direction` up to `maxDepth`, breadth
 * first (or depth first). A limit that cuts the walk sets `had_more`; a load that fails, or an
 * attempt that does not exist (a seed asked for), sets `had_errors` (and `had_more`). Not a
 * snapshot: each attempt is read on its own.
 */
export async function walkGraph(
  store: Store,
  opts: WalkOptions,
  clock: () => number,
): Promise<GraphData> {
  const startedMs = clock();
  const quests: Record<string, QuestWire> = {};
  const questCache = new Map<string, Quest | undefined>();
  const seen = new Set<string>();
  const frontier: Array<{ id: AttemptId; depth: number }> = [];
  for (const id of opts.seeds) {
    if (seen.has(attemptKey(id))) continue;
    seen.add(attemptKey(id));
    frontier.push({ id, depth: 0 });
  }
  let size = 0;
  let hadMore = false;
  let hadErrors = false;
  const wantBack = opts.include.back_deps || opts.direction !== 'FORWARDS';

  while (frontier.length > 0) {
    if (clock() - startedMs > opts.maxTimeMs || size >= opts.maxDataSize) {
      hadMore = true;
      break;
    }
    const { id, depth } = (opts.dfs ? frontier.pop() : frontier.shift())!;
    let attempt: Attempt | undefined;
    let quest: Quest | undefined;
    let backDeps: AttemptId[] | undefined;
    let executions: Execution[] | undefined;
    try {
      attempt = await store.getAttempt(id);
      if (attempt !== undefined && !questCache.has(id.quest)) {
        questCache.set(id.quest, await store.getQuest(id.quest));
      }
      quest = questCache.get(id.quest);
      if (attempt === undefined || quest === undefined) {
        // A seed that does not exist (or an edge to a vanished attempt): the answer is incomplete.
        hadErrors = true;
        continue;
      }
      backDeps = wantBack ? await store.listBackDeps(id) : undefined;
      executions = opts.include.executions ? await store.listExecutions(id) : undefined;
    } catch {
      hadErrors = true;
      continue;
    }
    let result: ResultLoad = 'NOT_LOADED';
    if (opts.include.attempt_result && attempt.result !== null) {
      if (!opts.mayReadResult(attempt, quest)) {
        result = 'NOT_AUTHORIZED';
      } else if (size + attempt.result.size > opts.maxDataSize) {
        result = 'DATA_SIZE_LIMIT';
        hadMore = true;
      } else {
        result = 'LOADED';
        size += attempt.result.size;
      }
    } else if (opts.include.attempt_result) {
      result = 'LOADED';
    }
    size += ATTEMPT_OVERHEAD_BYTES + (executions?.length ?? 0) * EXECUTION_OVERHEAD_BYTES;
    questEntry(quests, quest, opts.include, () => (size += quest.desc.parameters.length)).attempts![
      id.attempt
    ] = attemptToWire(attempt, opts.include, { result, executions, backDeps });

    const next: AttemptId[] = [];
    if (opts.direction !== 'BACKWARDS') next.push(...attempt.fwdDeps);
    if (opts.direction !== 'FORWARDS') next.push(...(backDeps ?? []));
    const fresh = next.filter((n) => !seen.has(attemptKey(n)));
    if (fresh.length === 0) continue;
    if (opts.maxDepth !== -1 && depth >= opts.maxDepth) {
      hadMore = true;
      continue;
    }
    for (const n of fresh) {
      seen.add(attemptKey(n));
      frontier.push({ id: n, depth: depth + 1 });
    }
  }
  return { quests, had_more: hadMore || hadErrors, had_errors: hadErrors };
}

/** The quest's entry in the answer, made on first use (with its data when asked). */
export function questEntry(
  quests: Record<string, QuestWire>,
  quest: Quest,
  include: Include,
  onData: () => void = () => undefined,
): QuestWire {
  let entry = quests[quest.id];
  if (entry === undefined) {
    if (include.quest_data) onData();
    entry = {
      id: { id: quest.id },
      did_not_exist: false,
      data: include.quest_data
        ? { created: msToTimestamp(quest.createdAtMs), desc: descToWire(quest.desc) }
        : null,
      attempts: {},
      partial: { data: !include.quest_data },
    };
    quests[quest.id] = entry;
  }
  return entry;
}
