import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  NotFoundError,
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
  type AttemptNeeds,
  type EnsureGraphExtras,
  type GraphRun,
  type Quest,
  type Store,
} from '@drover/state';
import { randomBytes } from 'node:crypto';
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
  runToWire,
  type AttemptNeedsWireOut,
  type ExecutionAuth,
  type GetRunRequestOut,
  type ListRunsRequestOut,
  type RunWireOut,
} from './graph-wire';

/**
 * Service Graph. Who may call:
 * - a client (Bearer client token): EnsureGraphData without `for_execution` needs `submit` in the
 *   pool of every quest it names (the pool of the task its distributor makes; none → `*`);
 *   WalkGraph needs `view` there to read results (others are NOT_AUTHORIZED). The quests of
 *   EnsureGraphData's `needs` count as named. ListRuns and GetRun show a run to a caller with
 *   `view` in every pool of the run (`Run.pools`); another run is skipped (ListRuns) or
 *   NOT_FOUND (GetRun), so nothing tells it exists.
 * - an execution (its payload on a bot): the ExecutionAuth in the request (execution id + token)
 *   IS its credential. The payload has no client token, so these calls need no Bearer token:
 *   ActivateExecution, FinishAttempt, EnsureGraphData with `for_execution`, WalkGraph with `auth`.
 *   A bad or stale token is PERMISSION_DENIED / FAILED_PRECONDITION. An execution reads only the
 *   results of the attempts it depends on. It declares no `needs` and records no `run` (those
 *   are for attempts a client creates; an execution adds `dependencies`), and cannot call
 *   ListRuns or GetRun (they need a client token: UNAUTHENTICATED without one).
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
        if (auth !== undefined && req.needs.length > 0) {
          throw new InvalidArgumentError(
            'needs',
            'declared needs are for attempts a client creates; an execution adds dependencies',
          );
        }
        if (auth !== undefined && req.run !== null) {
          throw new InvalidArgumentError('run', 'a pipeline run is recorded by a client');
        }
        const principal = auth === undefined ? client(call.metadata) : undefined;
        if (auth !== undefined) await graph.authenticate(auth);
        const nowMs = clock();
        const quests = req.quests.map((wire, i) => {
          const desc = normalizeQuestDesc(descInput(wire));
          if ('error' in desc) throw fieldError(`quests[${i}].`, desc.field, desc.message);
          questTaskSpec(graph.distributors, desc.ok, `quests[${i}].`);
          return createQuest(desc.ok, nowMs);
        });
        const resolve = (wire: AttemptIdWireOut | null, field: string): AttemptId => {
          if (wire !== null && /^\d+$/.test(wire.quest)) {
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
        const needs = declaredNeeds(req.needs, attempts, resolve);
        const run =
          req.run === null || principal === undefined
            ? undefined
            : await pipelineRun(req.run, attempts, resolve, quests, principal, nowMs);
        if (principal !== undefined) {
          await checkSubmit(principal, quests, [...attempts, ...needs.flatMap((n) => n.needs)]);
        }

        const extras: EnsureGraphExtras = {
          ...(needs.length > 0 ? { needs } : {}),
          ...(run !== undefined ? { run } : {}),
        };
        const ensured = await graph.ensure(quests, [...attempts, ...dependencies], extras);
        if ('unknownQuest' in ensured) {
          const at = [...attempts, ...dependencies].findIndex(
            (a) => a.quest === ensured.unknownQuest,
          );
          const field =
            at < req.attempts.length ? `attempts[${at}]` : `dependencies[${at - attempts.length}]`;
          throw new InvalidArgumentError(`${field}.quest`, 'no such quest');
        }
        if ('unknownNeed' in ensured) {
          const { index, need } = ensured.unknownNeed;
          throw new InvalidArgumentError(`needs[${index}].needs[${need}]`, 'no such attempt');
        }
        if ('cycle' in ensured) {
          throw new InvalidArgumentError(
            'needs',
            `a cycle: ${await cycleText(ensured.cycle, quests)}`,
          );
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
          run_id: run?.id ?? '',
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

    ListRuns: unary<ListRunsRequestOut, ListRunsAnswer>(log, 'ListRuns', async (req, call) =>
      listRunsFor(store, client(call.metadata), req),
    ),

    GetRun: unary<GetRunRequestOut, RunAnswer>(log, 'GetRun', async (req, call) =>
      getRunFor(store, client(call.metadata), req.run),
    ),
  };

  /** EnsureGraphData's `needs`, resolved and checked against `attempts` (INVALID_ARGUMENT). */
  function declaredNeeds(
    wire: readonly AttemptNeedsWireOut[],
    attempts: readonly AttemptId[],
    resolve: (w: AttemptIdWireOut | null, field: string) => AttemptId,
  ): AttemptNeeds[] {
    const ofCall = new Set(attempts.map(attemptKey));
    const declared = new Map<string, number>();
    let edges = 0;
    return wire.map((n, i) => {
      const attempt = resolve(n.attempt, `needs[${i}].attempt`);
      const key = attemptKey(attempt);
      if (!ofCall.has(key)) {
        throw new InvalidArgumentError(`needs[${i}].attempt`, 'not one of attempts');
      }
      const earlier = declared.get(key);
      if (earlier !== undefined) {
        throw new InvalidArgumentError(`needs[${i}].attempt`, `its needs are needs[${earlier}]`);
      }
      declared.set(key, i);
      if (n.needs.length > RUN_LIMITS.maxNeedsPerAttempt) {
        throw new InvalidArgumentError(
          `needs[${i}].needs`,
          `at most ${RUN_LIMITS.maxNeedsPerAttempt} attempts, got ${n.needs.length}`,
        );
      }
      edges += n.needs.length;
      if (edges > RUN_LIMITS.maxNeedEdges) {
        throw new InvalidArgumentError('needs', `at most ${RUN_LIMITS.maxNeedEdges} edges in all`);
      }
      const seen = new Map<string, number>();
      const needs = n.needs.map((w, j) => {
        const need = resolve(w, `needs[${i}].needs[${j}]`);
        const needKey = attemptKey(need);
        if (needKey === key) {
          throw new InvalidArgumentError(
            `needs[${i}].needs[${j}]`,
            `an attempt cannot need itself (${needKey})`,
          );
        }
        const twice = seen.get(needKey);
        if (twice !== undefined) {
          throw new InvalidArgumentError(`needs[${i}].needs[${j}]`, `same as needs[${twice}]`);
        }
        seen.set(needKey, j);
        return need;
      });
      return { attempt, needs };
    });
  }

  /** EnsureGraphData's `run`, checked (INVALID_ARGUMENT naming `run.…`), as the store keeps it. */
  async function pipelineRun(
    wire: RunWireOut,
    attempts: readonly AttemptId[],
    resolve: (w: AttemptIdWireOut | null, field: string) => AttemptId,
    quests: readonly Quest[],
    principal: Principal,
    nowMs: number,
  ): Promise<GraphRun> {
    if (!RUN_NAME.test(wire.name)) {
      throw new InvalidArgumentError(
        'run.name',
        `must match [A-Za-z0-9_.-]{1,128}, got ${JSON.stringify(wire.name)}`,
      );
    }
    if (wire.steps.length === 0) throw new InvalidArgumentError('run.steps', 'at least one step');
    if (wire.steps.length > RUN_LIMITS.maxSteps) {
      throw new InvalidArgumentError('run.steps', `at most ${RUN_LIMITS.maxSteps} steps`);
    }
    const ofCall = new Set(attempts.map(attemptKey));
    const names = new Map<string, number>();
    wire.steps.forEach((step, i) => {
      if (!STEP_NAME.test(step.name)) {
        throw new InvalidArgumentError(
          `run.steps[${i}].name`,
          `must match [A-Za-z0-9_.-]{1,64}, got ${JSON.stringify(step.name)}`,
        );
      }
      const twice = names.get(step.name);
      if (twice !== undefined) {
        throw new InvalidArgumentError(
          `run.steps[${i}].name`,
          `${JSON.stringify(step.name)} is also steps[${twice}]'s name`,
        );
      }
      names.set(step.name, i);
    });
    const steps = wire.steps.map((step, i) => {
      const field = `run.steps[${i}]`;
      const attempt = resolve(step.attempt, `${field}.attempt`);
      if (!ofCall.has(attemptKey(attempt))) {
        throw new InvalidArgumentError(`${field}.attempt`, 'not one of attempts');
      }
      const seen = new Set<string>();
      for (const [j, need] of step.needs.entries()) {
        if (!names.has(need)) {
          throw new InvalidArgumentError(
            `${field}.needs[${j}]`,
            `${JSON.stringify(need)}: no such step`,
          );
        }
        if (need === step.name) {
          throw new InvalidArgumentError(`${field}.needs[${j}]`, 'a step cannot need itself');
        }
        if (seen.has(need)) {
          throw new InvalidArgumentError(`${field}.needs[${j}]`, `${JSON.stringify(need)} twice`);
        }
        seen.add(need);
      }
      return { name: step.name, attempt, needs: [...step.needs] };
    });
    const pools = new Set<string>();
    for (const step of steps) {
      const quest = await questOf(step.attempt.quest, quests);
      // A quest neither stored nor in the call: ensureGraph refuses it (unknownQuest).
      if (quest !== undefined) for (const pool of poolOf(quest)) pools.add(pool);
    }
    return {
      id: newRunId(),
      name: wire.name,
      createdAtMs: nowMs,
      user: principal.name,
      pools: [...pools].sort(),
      steps,
    };
  }

  async function questOf(id: string, quests: readonly Quest[]): Promise<Quest | undefined> {
    return quests.find((q) => q.id === id) ?? (await store.getQuest(id));
  }

  /** A cycle of attempt keys as the error shows it: `name (quest:n) → …` (names when known). */
  async function cycleText(cycle: readonly string[], quests: readonly Quest[]): Promise<string> {
    const names = new Map<string, string>();
    const parts: string[] = [];
    for (const key of cycle) {
      const quest = key.slice(0, key.lastIndexOf(':'));
      if (!names.has(quest)) {
        let name = '';
        try {
          name = (await questOf(quest, quests))?.desc.name ?? '';
        } catch {
          // The name only helps the reader; the key says it all.
        }
        names.set(quest, name);
      }
      const name = names.get(quest) ?? '';
      parts.push(name === '' ? key : `${name} (${key})`);
    }
    return parts.join(' → ');
  }

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

/** Run ids: `run-` and 16 characters of [a-z2-7] (80 random bits). */
const RUN_ID = /^run-[a-z2-7]{16}$/;
const RUN_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const STEP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Limits of the pipeline parts of Graph (graph.proto; the field sizes are REQUEST_LIMITS'). */
export const RUN_LIMITS = {
  maxSteps: 1000,
  maxNeedsPerAttempt: 64,
  maxNeedEdges: 1000,
  maxGlobChars: 128,
  defaultPage: 100,
  maxPage: 1000,
  /** ListRuns reads at most this many runs for one page (others' runs are skipped). */
  maxScanned: 10_000,
  /** A ListRuns page ends after the run that brings its steps to this many (their states). */
  maxPageSteps: 10_000,
} as const;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `run-` + 16 base32 characters of 10 random bytes. */
export function newRunId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return `run-${out}`;
}

/** A run as ListRuns and GetRun answer it. */
export type RunAnswer = ReturnType<typeof runToWire>;
export interface ListRunsAnswer {
  readonly runs: RunAnswer[];
  readonly cursor: string;
}

/**
 * ListRuns for `principal` (also the dashboard's): runs it may not view (`view` in every pool of
 * the run) are skipped. The store is read page after page until the answer is full, the store
 * has no more, or the reads' budget is spent; the cursor (the last run read) then says where to
 * go on, even when this page has fewer runs than `limit`.
 */
export async function listRunsFor(
  store: Store,
  principal: Principal,
  req: ListRunsRequestOut,
): Promise<ListRunsAnswer> {
  const limit = req.limit === 0 ? RUN_LIMITS.defaultPage : req.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > RUN_LIMITS.maxPage) {
    throw new InvalidArgumentError(
      'limit',
      `1 to ${RUN_LIMITS.maxPage} (0 = ${RUN_LIMITS.defaultPage}), got ${req.limit}`,
    );
  }
  if ([...req.name_glob].length > RUN_LIMITS.maxGlobChars) {
    throw new InvalidArgumentError('name_glob', `at most ${RUN_LIMITS.maxGlobChars} characters`);
  }
  if (req.cursor !== '' && !RUN_ID.test(req.cursor)) {
    throw new InvalidArgumentError('cursor', 'not a cursor ListRuns gave');
  }
  const runs: RunAnswer[] = [];
  let before = req.cursor === '' ? undefined : req.cursor;
  let scanned = 0;
  let steps = 0;
  for (;;) {
    const page = await store.listRuns({
      limit,
      ...(req.name_glob === '' ? {} : { nameGlob: req.name_glob }),
      ...(before === undefined ? {} : { before }),
    });
    for (const run of page) {
      if (runs.length >= limit || (runs.length > 0 && steps >= RUN_LIMITS.maxPageSteps)) {
        return { runs, cursor: before ?? '' };
      }
      before = run.id;
      scanned++;
      if (!mayView(principal, run)) continue;
      runs.push(await runWithStates(store, run));
      steps += run.steps.length;
    }
    if (page.length < limit) return { runs, cursor: '' };
    if (scanned >= RUN_LIMITS.maxScanned || runs.length >= limit) {
      return { runs, cursor: before ?? '' };
    }
  }
}

/**
 * GetRun for `principal` (also the dashboard's): `ref` is a run id, or a name (the newest run
 * with it). A run it may not view is NOT_FOUND, as one that does not exist.
 */
export async function getRunFor(
  store: Store,
  principal: Principal,
  ref: string,
): Promise<RunAnswer> {
  if (ref === '') throw new InvalidArgumentError('run', 'required (a run id or name)');
  // A run id is also a well-formed name: a name that looks like an id is found by name.
  if (!RUN_NAME.test(ref)) {
    throw new InvalidArgumentError('run', 'not a run id (run-…) or name ([A-Za-z0-9_.-]{1,128})');
  }
  const run =
    (RUN_ID.test(ref) ? await store.getRun(ref) : undefined) ?? (await store.getRunByName(ref));
  if (run === undefined || !mayView(principal, run)) throw new NotFoundError(`run ${ref}`);
  return runWithStates(store, run);
}

function mayView(principal: Principal, run: GraphRun): boolean {
  return can(principal, 'view', run.pools);
}

/** The run on the wire, each step with its attempt's state now. */
async function runWithStates(store: Store, run: GraphRun): Promise<RunAnswer> {
  const states = await Promise.all(
    run.steps.map(async (s) => (await store.getAttempt(s.attempt))?.state),
  );
  return runToWire(run, states);
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
