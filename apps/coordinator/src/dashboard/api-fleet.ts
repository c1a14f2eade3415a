import { InvalidArgumentError } from '@drover/protocol';
import { can, type Principal } from '../auth/principal';
import { NO_POOL } from '../metrics/pool-label';
import type { ApiRoute } from './api-route';
import { DAY_STEP_MS, type FleetHistory } from './fleet-history';
import { sendJson } from './http-json';

/** Whether `p` may view a pool as the history labels it ('a|b' = a bot in both pools). */
function mayView(p: Principal, pool: string): boolean {
  return can(p, 'view', pool === NO_POOL ? [] : pool.split('|'));
}

/**
 * `GET /api/fleet/history?range=hour|day`: the fleet over time (FleetHistory), the pools the
 * caller may view; not a message (docs/json.md):
 * `{"range", "step_seconds", "now_ts", "samples": [{"ts", "pools": [{"pool", "pending", "busy",
 * "idle", "dead", "started_per_min", "ended_per_min"}]}]}`, times RFC 3339, counts as numbers.
 */
export function fleetRoutes(deps: { history: FleetHistory; clock: () => number }): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/fleet\/history$/,
      async handle({ res, query, principal }) {
        const range = query.get('range') ?? 'hour';
        if (range !== 'hour' && range !== 'day') {
          throw new InvalidArgumentError('range', 'must be hour or day');
        }
        const nowMs = deps.clock();
        const samples = deps.history.samples(range, nowMs).map((s) => ({
          ts: new Date(s.atMs).toISOString(),
          pools: s.pools
            .filter((p) => mayView(principal, p.pool))
            .map((p) => ({
              pool: p.pool,
              pending: p.pending,
              busy: p.busy,
              idle: p.idle,
              dead: p.dead,
              started_per_min: p.startedPerMin,
              ended_per_min: p.endedPerMin,
            })),
        }));
        sendJson(res, 200, {
          range,
          step_seconds: (range === 'hour' ? deps.history.sampleMs : DAY_STEP_MS) / 1000,
          now_ts: new Date(nowMs).toISOString(),
          samples,
        });
      },
    },
  ];
}
