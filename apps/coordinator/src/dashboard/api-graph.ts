import { InvalidArgumentError } from '@drover/protocol';
import { isAttemptNumber, isQuestId, type AttemptId, type Quest, type Store } from '@drover/state';
import { can, type Principal } from '../auth/principal';
import type { DistributorConfig } from '../graph/distributor-config';
import { questPool } from '../graph/execution-task';
import { getRunFor, listRunsFor, RUN_LIMITS } from '../graph/graph-handlers';
import { walkGraph, type Direction } from '../graph/graph-walk';
import { NO_INCLUDE } from '../graph/graph-wire';
import type { ApiRoute } from './api-route';
import { intParam, sendJson, sendMessage } from './http-json';

/** How deep the graph page walks by default, and at most. */
const DEFAULT_DEPTH = 4;
const MAX_DEPTH = 20;
/**
 * The walk's data budget: about 256 bytes per attempt plus its quest's parameters, so a thousand
 * attempts or so (a run's steps, at most 1000, are walked in one answer).
 */
const MAX_DATA_BYTES = 1024 * 1024;
const MAX_TIME_MS = 5000;
/** Runs per page of the graph page's list unless `limit` says otherwise. */
const DEFAULT_RUNS_PAGE = 50;
/** Quests in the graph page's list unless `limit` says otherwise, and at most. */
const DEFAULT_QUESTS_PAGE = 50;
const MAX_QUESTS_PAGE = 200;
/** The newest quests `q` searches (in code: the store has no text index). */
const QUEST_SCAN = 1000;
/** Attempts of a quest listed at most. */
const MAX_QUEST_ATTEMPTS = 20;
/** How much of the parameters a label without a name shows. */
const LABEL_PARAMS_CHARS = 80;
/** How much of an attempt's result its details show (the rest is cut, and said to be). */
export const RESULT_SHOWN_BYTES = 4096;

/**
 * The start of a text, at most `maxBytes` of UTF-8 and never half a character; `cut` says
 * whether something was left out.
 */
export function cutUtf8(text: string, maxBytes: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, cut: false };
  let end = maxBytes;
  // Back to the start of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}

/** A quest's label on the page: its name, else its distributor and (the start of) its parameters. */
export function questLabel(q: Pick<Quest, 'desc'>): string {
  if (q.desc.name !== '') return q.desc.name;
  const params = [...q.desc.parameters];
  const shown =
    params.length > LABEL_PARAMS_CHARS
      ? `${params.slice(0, LABEL_PARAMS_CHARS).join('')}…`
      : q.desc.parameters;
  return `${q.desc.distributorConfigName} ${shown}`;
}

/** What the page draws: states, executions and their tasks, quests' descs (their names). */
const PAGE_INCLUDE = {
  ...NO_INCLUDE,
  quest_data: true,
  attempt_data: true,
  executions: true,
  execution_data: true,
  fwd_deps: true,
  back_deps: true,
};

/**
 * Graph, as GraphData, Run and ListRunsResponse in canonical JSON (docs/json.md):
 * - `GET /api/graph?quest=Q&attempt=N&depth=D`: an attempt with its dependencies both ways
 *   (WalkGraph as a client sees it: quests' descs, states, executions and their tasks; results
 *   are not loaded). Any client token may walk, as WalkGraph.
 * - `GET /api/graph?run=ID|NAME`: the attempts of a run's steps (no further), for its tree.
 * - `GET /api/graph/runs?name=GLOB&cursor=C&limit=N`: ListRuns; `GET /api/graph/runs/ID|NAME`:
 *   GetRun. A run (and its walk) is shown to a caller with `view` in every pool of the run, as
 *   ListRuns and GetRun decide (another run is skipped, or 404).
 * - `GET /api/graph/quests?q=TEXT&limit=N`: the newest quests the caller may `view` (in the
 *   quest's pool, as the Graph service decides), each with its label and attempts' states; `q`
 *   keeps those whose label, name or id contains it (among the newest 1000).
 * - `GET /api/graph/attempt?quest=Q&attempt=N`: one attempt's details for its node (not a
 *   message): `{"quest", "attempt", "state", "result", "executions": [{"id", "state", "task_id",
 *   "created_ts", "ended_ts"}]}`. `result` is null until FINISHED; else `{"size", "object",
 *   "cut"}` with the object's first RESULT_SHOWN_BYTES (cut says the rest was left out), or
 *   `{"size", "withheld": true}` to a caller without `view` in the quest's pool (WalkGraph's
 *   rule for results). Any client token may read the rest, as WalkGraph; 404 for no such attempt.
 */
export function graphRoutes(deps: {
  store: Store;
  clock: () => number;
  distributors: ReadonlyMap<string, DistributorConfig>;
}): ApiRoute[] {
  const mayView = (principal: Principal, q: Quest): boolean => {
    const pool = questPool(deps.distributors, q.desc);
    return can(principal, 'view', pool === '' ? [] : [pool]);
  };
  const walk = (seeds: AttemptId[], depth: number, direction: Direction) =>
    walkGraph(
      deps.store,
      {
        seeds,
        direction,
        dfs: false,
        maxDepth: depth,
        maxTimeMs: MAX_TIME_MS,
        maxDataSize: MAX_DATA_BYTES,
        include: PAGE_INCLUDE,
        mayReadResult: () => false,
      },
      deps.clock,
    );
  return [
    {
      method: 'GET',
      pattern: /^\/api\/graph$/,
      async handle({ res, query, principal }) {
        const runRef = query.get('run');
        if (runRef !== null) {
          const run = await getRunFor(deps.store, principal, runRef);
          const seeds = run.steps.map((s) => ({ quest: s.attempt.quest, attempt: s.attempt.id }));
          // The steps only: had_more then says the budget cut them, or that an execution added
          // a dependency outside the run.
          sendMessage(res, 'GraphData', await walk(seeds, 0, 'FORWARDS'));
          return;
        }
        const quest = query.get('quest') ?? '';
        const attempt = Number(query.get('attempt') ?? '1');
        if (!isQuestId(quest)) throw new InvalidArgumentError('quest', 'not a quest id');
        if (!isAttemptNumber(attempt)) throw new InvalidArgumentError('attempt', 'must be ≥ 1');
        const depth = intParam(query, 'depth', DEFAULT_DEPTH, MAX_DEPTH);
        sendMessage(res, 'GraphData', await walk([{ quest, attempt }], depth, 'BOTH'));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/graph\/runs$/,
      async handle({ res, query, principal }) {
        const answer = await listRunsFor(deps.store, principal, {
          name_glob: query.get('name') ?? '',
          cursor: query.get('cursor') ?? '',
          limit: intParam(query, 'limit', DEFAULT_RUNS_PAGE, RUN_LIMITS.maxPage),
        });
        sendMessage(res, 'ListRunsResponse', answer);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/graph\/quests$/,
      async handle({ res, query, principal }) {
        const limit = intParam(query, 'limit', DEFAULT_QUESTS_PAGE, MAX_QUESTS_PAGE);
        const text = (query.get('q') ?? '').trim().toLowerCase();
        const scanned = await deps.store.listRecentQuests(text === '' ? limit : QUEST_SCAN);
        const found = scanned
          .filter((q) => mayView(principal, q))
          .map((q) => ({ q, label: questLabel(q) }))
          .filter(
            ({ q, label }) =>
              text === '' ||
              label.toLowerCase().includes(text) ||
              q.desc.name.toLowerCase().includes(text) ||
              q.id.toLowerCase().includes(text),
          )
          .slice(0, limit);
        const quests = await Promise.all(
          found.map(async ({ q, label }) => {
            const attempts = await deps.store.listAttempts(q.id, 1, MAX_QUEST_ATTEMPTS + 1);
            return {
              id: q.id,
              name: q.desc.name,
              distributor: q.desc.distributorConfigName,
              label,
              created: new Date(q.createdAtMs).toISOString(),
              attempts: attempts.map((a) => ({ attempt: a.id.attempt, state: a.state })),
            };
          }),
        );
        sendJson(res, 200, { quests });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/graph\/attempt$/,
      async handle({ res, query, principal }) {
        const questId = query.get('quest') ?? '';
        const number = Number(query.get('attempt') ?? '1');
        if (!isQuestId(questId)) throw new InvalidArgumentError('quest', 'not a quest id');
        if (!isAttemptNumber(number)) throw new InvalidArgumentError('attempt', 'must be ≥ 1');
        const id = { quest: questId, attempt: number };
        const [quest, attempt] = await Promise.all([
          deps.store.getQuest(questId),
          deps.store.getAttempt(id),
        ]);
        if (quest === undefined || attempt === undefined) {
          sendJson(res, 404, { error: 'no such attempt' });
          return;
        }
        const executions = await deps.store.listExecutions(id);
        const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
        let result: object | null = null;
        if (attempt.result !== null) {
          result = mayView(principal, quest)
            ? (() => {
                const shown = cutUtf8(attempt.result.object, RESULT_SHOWN_BYTES);
                return { size: attempt.result.size, object: shown.text, cut: shown.cut };
              })()
            : { size: attempt.result.size, withheld: true };
        }
        sendJson(res, 200, {
          quest: questId,
          attempt: number,
          state: attempt.state,
          result,
          executions: executions.map((e) => ({
            id: e.id.execution,
            state: e.state,
            task_id: e.taskId ?? '',
            created_ts: iso(e.createdAtMs),
            ended_ts: iso(e.endedAtMs),
          })),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/graph\/runs\/([^/]+)$/,
      async handle({ res, params, principal }) {
        sendMessage(res, 'Run', await getRunFor(deps.store, principal, params[0] ?? ''));
      },
    },
  ];
}
