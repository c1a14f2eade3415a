import { InvalidArgumentError } from '@drover/protocol';
import { isAttemptNumber, isQuestId, type Store } from '@drover/state';
import { walkGraph } from '../graph/graph-walk';
import { NO_INCLUDE } from '../graph/graph-wire';
import type { ApiRoute } from './api-route';
import { intParam, sendMessage } from './http-json';

/** How deep the graph page walks by default, and at most. */
const DEFAULT_DEPTH = 4;
const MAX_DEPTH = 20;
/** The walk's data budget: about 256 bytes per attempt, so a few hundred attempts at most. */
const MAX_DATA_BYTES = 256 * 1024;
const MAX_TIME_MS = 5000;

/**
 * Graph: an attempt with its dependencies both ways (WalkGraph as a client sees it: states,
 * executions and their tasks; results are not loaded), as GraphData in canonical JSON
 * (docs/json.md). Any client token may walk, as WalkGraph.
 */
export function graphRoutes(deps: { store: Store; clock: () => number }): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/graph$/,
      async handle({ res, query }) {
        const quest = query.get('quest') ?? '';
        const attempt = Number(query.get('attempt') ?? '1');
        if (!isQuestId(quest)) throw new InvalidArgumentError('quest', 'not a quest id');
        if (!isAttemptNumber(attempt)) throw new InvalidArgumentError('attempt', 'must be ≥ 1');
        const depth = intParam(query, 'depth', DEFAULT_DEPTH, MAX_DEPTH);
        const data = await walkGraph(
          deps.store,
          {
            seeds: [{ quest, attempt }],
            direction: 'BOTH',
            dfs: false,
            maxDepth: depth,
            maxTimeMs: MAX_TIME_MS,
            maxDataSize: MAX_DATA_BYTES,
            include: {
              ...NO_INCLUDE,
              attempt_data: true,
              executions: true,
              execution_data: true,
              fwd_deps: true,
              back_deps: true,
            },
            mayReadResult: () => false,
          },
          deps.clock,
        );
        sendMessage(res, 'GraphData', data);
      },
    },
  ];
}
