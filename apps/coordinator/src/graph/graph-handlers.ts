import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  PermissionDeniedError,
  timestampToMs,
  type ActivateExecutionRequestOut,
  type AttemptIdWireOut,
  type EnsureGraphDataRequestOut,
  type EnsureGraphDataResponse,
  type FinishAttemptRequestOut,
  type GraphData,
  type WalkGraphRequestOut,
} from '@drover/protocol';
import {
  attemptKey,
  createQuest,
  isQuestId,
  normalizeQuestDesc,
  type Attempt,
  type AttemptId,
  type Quest,
  type Store,
} from '@drover/state';
import type { Logger } from 'pino';
import { can, type Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import { authenticate, unary } from '../rpc/grpc-edge';
import { questPool, questTaskSpec } from './execution-task';
import type { GraphService } from './graph-service';
import { WALK_LIMITS, questEntry, walkGraph, type Direction } from './graph-walk';
import {
  NO_INCLUDE,
  attemptIdFromWire,
  descInput,
  executionAuthFromWire,
  type ExecutionAuth,
} from './graph-wire';

/**
 * Service Graph. Who may call:
 * - a client (Bearer client token): EnsureGraphData without `for_execution` needs `submit` in the
 *   pool of every quest it names (the pool of the task its distributor makes; none → `*`);
 *   WalkGraph needs `view` there to read results (others are NOT_AUTHORIZED).
 * - an execution (its payload on a bot): the ExecutionAuth in the request (execution id + token)
 *   IS its credential. The payload has no client token, so these calls need no Bearer token:
 *   ActivateExecution, FinishAttempt, EnsureGraphData with `for_execution`, WalkGraph with `auth`.
 *   A bad or stale token is PERMISSION_DENIED / FAILED_PRECONDITION. An execution reads only the
 *   results of the attempts it depends on.
 */
export function graphHandlers(deps: {
  graph: GraphService;
  store: Store;
  tokens: TokenAuthority;
  log: Logger;
  clock: () => number;
}): grpc.UntypedServiceImplementation {
  const { graph, store, tokens, log, clock } = deps;
  const poolCache = new Map<string, string>();
  const poolOf = (q: Quest): string[] => {
    let pool = poolCache.get(q.id);
    if (pool === undefined) poolCache.set(q.id, (pool = questPool(graph.distributors, q.desc)));
    return pool === '' ? [] : [pool];
  };
  const client = (md: grpc.Metadata): Principal => authenticate(tokens, md, 'client');

  /** Who reads results: a client with `view` in the quest's pool, an execution its deps. */
  const resultReader = (
    caller: { principal: Principal } | { attempt: Pick<Attempt, 'fwdDeps'> },
  ): ((a: Attempt, q: Quest) => boolean) => {
    if ('principal' in caller) return (_a, q) => can(caller.principal, 'view', poolOf(q));
    const deps = new Set(caller.attempt.fwdDeps.map(attemptKey));
    return (a) => deps.has(attemptKey(a.id));
  };

  return {
    EnsureGraphData: unary<EnsureGraphDataRequestOut, EnsureGraphDataResponse>(
      log,
      'EnsureGraphData',
      async (req, call) => {
        const auth = executionAuthFromWire(req.for_execution, 'for_execution');
        const principal = auth === undefined ? client(call.metadata) : undefined;
        if (auth !== undefined) await graph.authenticate(auth);
        const nowMs = clock();
        const quests = req.quests.map((wire, i) => {
          const desc = normalizeQuestDesc(descInput(wire));
          if ('error' in desc) throw fieldError(`quests[${i}].`, desc.field, desc.message);
          questTaskSpec(graph.distributors, desc.ok, `quests[${i}].`);
          return createQuest(desc.ok, nowMs);
        });
        const resolve = (wire: AttemptIdWireOut, field: string): AttemptId => {
          if (/^\d+$/.test(wire.quest)) {
            const byPosition = quests[Number(wire.quest)];
            if (byPosition === undefined) {
              throw new InvalidArgumentError(`${field}.quest`, `no quests[${wire.quest}]`);
            }
            return attemptIdFromWire({ ...wire, quest: byPosition.id }, field);
          }
          return attemptIdFromWire(wire, field);
        };
        const attempts = req.attempts.map((a, i) => resolve(a, `attempts[${i}]`));
        const dependencies = req.dependencies.map((a, i) => resolve(a, `dependencies[${i}]`));
        if (dependencies.length > 0 && auth === undefined) {
          throw new InvalidArgumentError('dependencies', 'only an execution (for_execution) has');
        }
        if (principal !== undefined) await checkSubmit(principal, quests, attempts);

        const ensured = await graph.ensure(quests, [...attempts, ...dependencies]);
        if ('unknownQuest' in ensured) {
          const at = [...attempts, ...dependencies].findIndex(
            (a) => a.quest === ensured.unknownQuest,
          );
          const field =
            at < req.attempts.length ? `attempts[${at}]` : `dependencies[${at - attempts.length}]`;
          throw new InvalidArgumentError(`${field}.quest`, 'no such quest');
        }
        const shouldHalt =
          auth !== undefined && dependencies.length > 0
            ? await graph.addDependencies(auth, dependencies)
            : false;

        const include = req.include ?? NO_INCLUDE;
        const reader =
          auth === undefined
            ? resultReader({ principal: principal! })
            : resultReader({ attempt: (await store.getAttempt(auth.id)) ?? noDeps });
        const result: GraphData = await walkGraph(
          store,
          {
            seeds: [...attempts, ...dependencies],
            direction: 'FORWARDS',
            dfs: false,
            maxDepth: 0,
            maxTimeMs: WALK_LIMITS.maxTimeMs,
            maxDataSize: WALK_LIMITS.defaultMaxDataSize,
            include,
            mayReadResult: reader,
          },
          clock,
        );
        result.had_more = false;
        for (const q of quests) {
          questEntry(result.quests!, q, include).did_not_exist = ensured.newQuests.has(q.id);
        }
        return {
          accepted: true,
          quest_ids: quests.map((q) => ({ id: q.id })),
          result,
          should_halt: shouldHalt,
        };
      },
    ),

    ActivateExecution: unary<ActivateExecutionRequestOut, object>(
      log,
      'ActivateExecution',
      async (req) => {
        await graph.activate(requireAuth(req.auth, 'auth'), req.execution_token);
        return {};
      },
    ),

    FinishAttempt: unary<FinishAttemptRequestOut, object>(log, 'FinishAttempt', async (req) => {
      const auth = requireAuth(req.auth, 'auth');
      if (req.data === null) throw new InvalidArgumentError('data', 'required');
      await graph.finish(auth, req.data.object, timestampToMs(req.data.expiration));
      return {};
    }),

    WalkGraph: unary<WalkGraphRequestOut, GraphData>(log, 'WalkGraph', async (req, call) => {
      const auth = executionAuthFromWire(req.auth, 'auth');
      const caller =
        auth === undefined ? { principal: client(call.metadata) } : await graph.authenticate(auth);
      const limit = req.limit;
      const maxDepth = limit?.max_depth ?? 0;
      if (!Number.isInteger(maxDepth) || maxDepth < -1) {
        throw new InvalidArgumentError('limit.max_depth', '-1 (all), 0 (seeds only) or more');
      }
      const maxTimeMs =
        limit === null || limit.max_time_ms === 0 ? WALK_LIMITS.maxTimeMs : limit.max_time_ms;
      if (maxTimeMs < 0 || maxTimeMs > WALK_LIMITS.maxTimeMs) {
        throw new InvalidArgumentError('limit.max_time_ms', `at most ${WALK_LIMITS.maxTimeMs}`);
      }
      const maxDataSize =
        limit === null || limit.max_data_size === 0
          ? WALK_LIMITS.defaultMaxDataSize
          : limit.max_data_size;
      if (maxDataSize < 0 || maxDataSize > WALK_LIMITS.maxDataSize) {
        throw new InvalidArgumentError('limit.max_data_size', `at most ${WALK_LIMITS.maxDataSize}`);
      }
      const seeds = await querySeeds(req);
      if (seeds.length === 0 && (req.query?.attempt_range.length ?? 0) === 0) {
        throw new InvalidArgumentError('query', 'give attempt_list or attempt_range');
      }
      return walkGraph(
        store,
        {
          seeds,
          direction: (req.mode?.direction ?? 'FORWARDS') as Direction,
          dfs: req.mode?.dfs ?? false,
          maxDepth,
          maxTimeMs,
          maxDataSize,
          include: req.include ?? NO_INCLUDE,
          mayReadResult: resultReader(caller),
        },
        clock,
      );
    }),
  };

  async function querySeeds(req: WalkGraphRequestOut): Promise<AttemptId[]> {
    const seeds = (req.query?.attempt_list ?? []).map((a, i) =>
      attemptIdFromWire(a, `query.attempt_list[${i}]`),
    );
    for (const [i, range] of (req.query?.attempt_range ?? []).entries()) {
      const field = `query.attempt_range[${i}]`;
      if (!isQuestId(range.quest))
        throw new InvalidArgumentError(`${field}.quest`, 'not a quest id');
      const low = Math.max(1, range.low);
      if (range.high <= low) throw new InvalidArgumentError(`${field}.high`, 'must be > low');
      const found = await store.listAttempts(range.quest, low, range.high);
      seeds.push(...found.map((a) => a.id));
    }
    return seeds;
  }

  async function checkSubmit(
    principal: Principal,
    quests: readonly Quest[],
    attempts: readonly AttemptId[],
  ): Promise<void> {
    const named = new Map(quests.map((q) => [q.id, q]));
    for (const a of attempts) {
      if (named.has(a.quest)) continue;
      const stored = await store.getQuest(a.quest);
      if (stored !== undefined) named.set(stored.id, stored);
    }
    for (const q of named.values()) {
      const pools = poolOf(q);
      if (!can(principal, 'submit', pools)) {
        throw new PermissionDeniedError(
          `${principal.name} may not submit in pool ${pools[0] ?? '*'} (quest ${q.id})`,
        );
      }
    }
  }
}

/** An attempt that depends on nothing (its row vanished: it reads no results). */
const noDeps: Pick<Attempt, 'fwdDeps'> = { fwdDeps: [] };

function requireAuth(wire: ActivateExecutionRequestOut['auth'], field: string): ExecutionAuth {
  const auth = executionAuthFromWire(wire, field);
  if (auth === undefined) throw new InvalidArgumentError(field, 'required (execution id + token)');
  return auth;
}

/** A core validation error, its field made relative to the request. */
function fieldError(prefix: string, field: string, message: string): InvalidArgumentError {
  const own = `${field}: `;
  return new InvalidArgumentError(
    `${prefix}${field}`,
    message.startsWith(own) ? message.slice(own.length) : message,
  );
}
