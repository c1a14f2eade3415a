import { InvalidArgumentError } from '@drover/protocol';
import { isAttemptNumber, isQuestId, type AttemptId, type Store } from '@drover/state';
import { getRunFor, listRunsFor, RUN_LIMITS } from '../graph/graph-handlers';
import { walkGraph, type Direction } from '../graph/graph-walk';
import { NO_INCLUDE } from '../graph/graph-wire';
import type { ApiRoute } from './api-route';
import { intParam, sendMessage } from './http-json';

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
 */
export function graphRoutes(deps: { store: Store; clock: () => number }): ApiRoute[] {
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
      pattern: /^\/api\/graph\/runs\/([^/]+)$/,
      async handle({ res, params, principal }) {
        sendMessage(res, 'Run', await getRunFor(deps.store, principal, params[0] ?? ''));
      },
    },
  ];
}
