// `drover graph ls` and `drover graph show`: pipeline runs (EnsureGraphData.run, recorded by
// `drover graph run`) for people, and the flags `drover graph ensure` builds a Quest.Desc from
// (`--param k=v` instead of hand-escaped JSON). Both commands call ListRuns/GetRun with the
// client token: a run is visible to a caller with `view` in every pool of its steps.
import type * as grpc from '@grpc/grpc-js';
import { DroverClientError, GrpcStatus } from '@drover/client';
import {
  canonicalJson,
  timestampToMs,
  type GraphClient,
  type GraphDataOut,
  type QuestDescWire,
  type TimestampOut,
  type WalkGraphRequest,
} from '@drover/protocol';
import type { Command } from 'commander';
import type { Parsed } from './args';
import {
  printError,
  write,
  writeJson,
  writeLine,
  type CommandHost,
  type Connection,
} from './context';
import { EXIT } from './exit-codes';
import { unary } from './graph-call';
import { formatDuration, formatTimestamp, truncate } from './format';

// ---------------------------------------------------------------------------------------------
// `drover graph ensure`: a Quest.Desc from flags.

/** The flags of `drover graph ensure` that build one Quest.Desc. */
export interface QuestFlags {
  distributor?: string;
  name?: string;
  param?: readonly string[];
  distParam?: readonly string[];
  retry?: string;
  timeout?: string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** Whether `text` is one JSON value (RFC 8259, whitespace around it allowed). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `k=v` pairs (`--param`, `--dist-param`) → the text of one JSON object: each value as written
 * when it is valid JSON (`n=1`, `cmd=["echo","hi"]`, `flag=true`), else as a JSON string
 * (`who=world`). Values are kept as written rather than re-serialized, so numbers such as `1.0`
 * or `12345678901234567890` reach the quest's canonical form (and id) as they would from the
 * same JSON given raw. A key given twice is an error, not a silent override.
 */
export function jsonObjectFromPairs(flag: string, pairs: readonly string[]): Parsed<string> {
  const seen = new Set<string>();
  const members: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) return fail(`${flag}: expected key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (key === '') return fail(`${flag}: the key before = is empty in ${JSON.stringify(pair)}`);
    if (seen.has(key)) return fail(`${flag}: ${JSON.stringify(key)} given twice`);
    seen.add(key);
    members.push(`${JSON.stringify(key)}:${isJson(value) ? value.trim() : JSON.stringify(value)}`);
  }
  return ok(`{${members.join(',')}}`);
}

/**
 * `name=N,name=N` (`--retry failed=2,crashed=1`, `--timeout run=600,start=3600`) → counts by
 * name; every name one of `names` (`-` taken as `_`: `timed-out`), every N a whole number ≤ max.
 */
export function parseCounts<K extends string>(
  flag: string,
  text: string,
  names: readonly K[],
  max: number,
): Parsed<Partial<Record<K, number>>> {
  const out: Partial<Record<K, number>> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([a-z_-]+)\s*=\s*(\d+)\s*$/.exec(part);
    const name = m?.[1]?.replace(/-/g, '_') as K | undefined;
    if (m === null || name === undefined || !names.includes(name)) {
      return fail(
        `${flag}: expected ${names.map((n) => `${n}=N`).join(',')} (any of them), got ${JSON.stringify(text)}`,
      );
    }
    const n = Number(m[2]);
    if (n > max) return fail(`${flag}: ${name}=${m[2]} is more than ${max}`);
    if (name in out) return fail(`${flag}: ${name} given twice`);
    out[name] = n;
  }
  return ok(out);
}

const RETRY_NAMES = ['failed', 'crashed', 'expired', 'timed_out'] as const;
const TIMEOUT_NAMES = ['run', 'start', 'stop'] as const;

/**
 * The Quest.Desc `drover graph ensure` builds from its flags, or undefined when none of them was
 * given (`--distributor` defaults to `drover`). Errors name the flag.
 */
export function questDescFromFlags(f: QuestFlags): Parsed<QuestDescWire | undefined> {
  const given =
    f.distributor !== undefined ||
    f.name !== undefined ||
    (f.param?.length ?? 0) > 0 ||
    (f.distParam?.length ?? 0) > 0 ||
    f.retry !== undefined ||
    f.timeout !== undefined;
  if (!given) return ok(undefined);
  if (f.distributor === '') return fail('--distributor: empty');
  const parameters = jsonObjectFromPairs('--param', f.param ?? []);
  if (!parameters.ok) return parameters;
  const distributorParameters = jsonObjectFromPairs('--dist-param', f.distParam ?? []);
  if (!distributorParameters.ok) return distributorParameters;
  const retry =
    f.retry === undefined ? undefined : parseCounts('--retry', f.retry, RETRY_NAMES, 2 ** 32 - 1);
  if (retry !== undefined && !retry.ok) return retry;
  const timeouts =
    f.timeout === undefined
      ? undefined
      : parseCounts('--timeout', f.timeout, TIMEOUT_NAMES, 2 ** 31 - 1);
  if (timeouts !== undefined && !timeouts.ok) return timeouts;
  const desc: QuestDescWire = {
    distributor_config_name: f.distributor ?? 'drover',
    parameters: parameters.value,
    distributor_parameters: distributorParameters.value,
  };
  if (f.name !== undefined) desc.name = f.name;
  if (retry !== undefined || timeouts !== undefined) {
    desc.meta = {
      ...(retry === undefined ? {} : { retry: retry.value }),
      ...(timeouts === undefined ? {} : { timeouts: timeouts.value }),
    };
  }
  return ok(desc);
}

// ---------------------------------------------------------------------------------------------
// Runs.

/** A Run as the stubs decode it (drover.v1.Run; enums as names, int64 as numbers). */
export interface RunView {
  id: string;
  name: string;
  created: TimestampOut | null;
  user: string;
  pools: string[];
  steps: Array<{
    name: string;
    attempt: { quest: string; id: number } | null;
    needs: string[];
    state: string;
  }>;
}

/** `running`, `finished` (every step FINISHED) or `failed` (some step ABNORMAL_FINISHED). */
export function runState(run: Pick<RunView, 'steps'>): 'running' | 'finished' | 'failed' {
  if (run.steps.some((s) => s.state === 'ABNORMAL_FINISHED')) return 'failed';
  return run.steps.every((s) => s.state === 'FINISHED') ? 'finished' : 'running';
}

/** `finished/total` steps. */
export function stepCounts(run: Pick<RunView, 'steps'>): string {
  return `${run.steps.filter((s) => s.state === 'FINISHED').length}/${run.steps.length}`;
}

/** Rows under a header, columns two spaces apart, `-` for an empty cell, no trailing spaces. */
function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows.map((r) => r.map((c) => (c === '' ? '-' : c)))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...r[i]!].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c + ' '.repeat(widths[i]! - [...c].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The table `drover graph ls` prints, one row per run in the order given: RUN, NAME (cut at 40
 * characters), CREATED (UTC, to the second, as every other list of the CLI), STEPS
 * (finished/total), STATE.
 */
export function formatRunTable(runs: readonly RunView[]): string {
  return table(
    ['RUN', 'NAME', 'CREATED', 'STEPS', 'STATE'],
    runs.map((r) => [
      r.id,
      truncate(r.name, 40),
      formatTimestamp(r.created) ?? '',
      stepCounts(r),
      runState(r),
    ]),
  );
}

type AttemptOut = GraphDataOut['quests'][string]['attempts'][number];
type ExecutionOut = AttemptOut['executions'][number];
type AbnormalOut = NonNullable<NonNullable<AttemptOut['data']>['abnormal_finish']>;

function abnormal(a: AbnormalOut | null | undefined): string {
  if (a === null || a === undefined) return '';
  return a.reason === '' ? a.status : `${a.status}: ${a.reason}`;
}

/** An execution's duration: created to last change when final, to `nowMs` while it runs. */
function executionDuration(e: ExecutionOut, nowMs: number): string {
  const created = timestampToMs(e.data?.created);
  if (created === null) return '';
  const final = e.data?.state === 'FINISHED' || e.data?.state === 'ABNORMAL_FINISHED';
  const end = final ? timestampToMs(e.data?.modified) : nowMs;
  if (end === null) return '';
  const text = formatDuration(Math.max(0, end - created) / 1000);
  return final ? text : `${text} so far`;
}

/**
 * The tree `drover graph show` prints: the run's line, then each step in the run's order with its
 * attempt's state (from `graph`, else the run's), result size, abnormal finish and executions,
 * each execution with its task and the commands that show the task.
 */
export function describeRun(run: RunView, graph: GraphDataOut, nowMs: number): string {
  const lines: string[] = [
    `run ${run.id}  ${run.name}  ${runState(run)}, ${stepCounts(run)} steps finished`,
    `  created ${formatTimestamp(run.created) ?? '-'} by ${run.user === '' ? '-' : run.user}` +
      `, pools ${run.pools.length === 0 ? '-' : run.pools.join(' ')}`,
  ];
  for (const step of run.steps) {
    const ref = step.attempt;
    const attempt = ref === null ? undefined : graph.quests[ref.quest]?.attempts[ref.id];
    const data = attempt?.data ?? null;
    const words = [`step ${step.name}`, data?.state ?? step.state];
    if (ref !== null) words.push(`attempt ${ref.id}`);
    if (data?.result) words.push(`result ${data.result.size} bytes`);
    if (data?.state === 'WAITING' && data.num_waiting_deps > 0)
      words.push(`waiting for ${data.num_waiting_deps}`);
    if (step.needs.length > 0) words.push(`needs ${step.needs.join(', ')}`);
    lines.push(words.join('  '));
    if (ref !== null) lines.push(`    quest ${ref.quest}`);
    const why = abnormal(data?.abnormal_finish);
    if (why !== '') lines.push(`    ${why}`);
    if (attempt === undefined && ref !== null) lines.push('    (attempt not read)');
    const executions = Object.values(attempt?.executions ?? {}).sort(
      (a, b) => (a.id?.id ?? 0) - (b.id?.id ?? 0),
    );
    for (const e of executions) {
      const task = e.data?.task_id ?? '';
      const ew = [`    execution ${e.id?.id ?? '?'}`, e.data?.state ?? '?'];
      const duration = executionDuration(e, nowMs);
      if (duration !== '') ew.push(duration);
      if (task !== '') ew.push(`task ${task}`);
      const eWhy = abnormal(e.data?.abnormal_finish);
      if (eWhy !== '') ew.push(eWhy);
      lines.push(ew.join('  '));
      if (task !== '') lines.push(`      drover result ${task}; drover logs ${task}`);
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The commands.

/** graph.ts's withGraph: a Graph stub with the connection's credentials, errors reported. */
export type WithGraph = (
  host: CommandHost,
  cmd: Command,
  fn: (stub: GraphClient, md: grpc.Metadata, conn: Connection) => Promise<number>,
) => Promise<void>;

/** The most ListRuns answers in one page. */
const PAGE = 1000;

interface ListRunsRequest {
  name_glob: string;
  limit: number;
  cursor: string;
}

interface ListRunsPage {
  runs: RunView[];
  cursor: string;
}

/**
 * Up to `limit` runs, newest first, and whether more may follow: ListRuns pages of at most 1000 runs, following the cursor
 * while there is one and fewer runs than asked for (a page may hold fewer than it was asked for
 * and still have a cursor: the coordinator skips runs the caller may not view).
 */
export async function collectRuns(
  listRuns: (req: ListRunsRequest) => Promise<ListRunsPage>,
  nameGlob: string,
  limit: number,
): Promise<{ runs: RunView[]; more: boolean }> {
  const runs: RunView[] = [];
  let cursor = '';
  do {
    const page = await listRuns({
      name_glob: nameGlob,
      limit: Math.min(PAGE, limit - runs.length),
      cursor,
    });
    runs.push(...page.runs.slice(0, limit - runs.length));
    cursor = page.cursor;
  } while (cursor !== '' && runs.length < limit);
  return { runs, more: cursor !== '' };
}
/** The most attempts one WalkGraph takes (request limits: query.attempt_list). */
const WALK_BATCH = 1000;

const WHERE =
  'Anywhere with a client token having `view` in every pool of the run (--token, ' +
  "DROVER_TOKEN, .drover/client.token), inside an execution too: an execution's own " +
  'credential (DROVER_EXECUTION_ID/TOKEN) cannot read runs, and is not used.';

/** `drover graph ls` and `drover graph show`, on the `graph` command. */
export function registerGraphRuns(graph: Command, host: CommandHost, withGraph: WithGraph): void {
  graph
    .command('ls')
    .description(`List pipeline runs, newest first. ${WHERE}`)
    .option('--name <glob>', 'only runs whose name matches (`*` any characters, `?` one)')
    .option('--limit <n>', 'at most this many runs (pages through the coordinator)', '50')
    .option('--json', 'one Run per line, canonical JSON (docs/json.md)')
    .action(async (opts: { name?: string; limit: string; json?: boolean }, cmd: Command) => {
      const limit = /^\d+$/.test(opts.limit) ? Number(opts.limit) : NaN;
      if (!(limit >= 1 && limit <= 2 ** 31 - 1)) {
        await printError(host.rt, `--limit: expected a whole number ≥ 1, got ${opts.limit}`);
        host.exitWith(EXIT.USAGE);
        return;
      }
      await withGraph(host, cmd, async (stub, md) => {
        const { runs, more } = await collectRuns(
          (req) => unary<ListRunsRequest, ListRunsPage>(stub.ListRuns.bind(stub), req, md),
          opts.name ?? '',
          limit,
        );
        if (opts.json === true) {
          for (const run of runs) await writeJson(host.rt.stdout, canonicalJson('Run', run));
        } else if (runs.length > 0) {
          await write(host.rt.stdout, `${formatRunTable(runs)}\n`);
        } else {
          await writeLine(host.rt.stderr, 'no runs match');
        }
        if (!opts.json && more) await writeLine(host.rt.stderr, 'more runs: use a larger --limit');
        return EXIT.OK;
      });
    });

  graph
    .command('show')
    .description(
      'Show a pipeline run as a tree: each step with its state, attempt, result size and ' +
        'executions (their tasks: drover result/logs <task>). NAME shows the newest run with ' +
        `that name. ${WHERE}`,
    )
    .argument('<name-or-id>', 'a run id (run-…) or a run name')
    .option(
      '--json',
      'two lines: the Run, then the GraphData of its attempts, quests and results included (docs/json.md)',
    )
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      await withGraph(host, cmd, async (stub, md) => {
        let run: RunView;
        try {
          run = await unary<{ run: string }, RunView>(stub.GetRun.bind(stub), { run: ref }, md);
        } catch (err) {
          if (isCallError(err, GrpcStatus.NOT_FOUND)) {
            await printError(
              host.rt,
              `no run ${JSON.stringify(ref)}: no run has that id, and none that name`,
            );
            return EXIT.RPC_ERROR;
          }
          throw err;
        }
        const graphData = await walkRun(stub, md, run, opts.json === true);
        if (opts.json === true) {
          await writeJson(host.rt.stdout, canonicalJson('Run', run));
          await writeJson(host.rt.stdout, canonicalJson('GraphData', graphData));
        } else {
          await write(host.rt.stdout, `${describeRun(run, graphData, Date.now())}\n`);
        }
        return EXIT.OK;
      });
    });
}

/**
 * The run's attempts with their data, executions and execution data; with `results`, the result
 * objects and the quests' descs too (`show --json`, for scripts; the tree shows only sizes).
 */
async function walkRun(
  stub: GraphClient,
  md: grpc.Metadata,
  run: RunView,
  results: boolean,
): Promise<GraphDataOut> {
  const refs = run.steps.flatMap((s) => (s.attempt === null ? [] : [s.attempt]));
  const merged: GraphDataOut = { quests: {}, had_more: false, had_errors: false };
  for (let i = 0; i < refs.length; i += WALK_BATCH) {
    const req: WalkGraphRequest = {
      query: { attempt_list: refs.slice(i, i + WALK_BATCH) },
      limit: { max_depth: 0 },
      include: {
        quest_data: results,
        attempt_data: true,
        attempt_result: results,
        executions: true,
        execution_data: true,
      },
    };
    const data = await unary<WalkGraphRequest, GraphDataOut>(stub.WalkGraph.bind(stub), req, md);
    for (const [id, quest] of Object.entries(data.quests)) {
      const known = merged.quests[id];
      if (known === undefined) merged.quests[id] = quest;
      else Object.assign(known.attempts, quest.attempts);
    }
    merged.had_more ||= data.had_more;
    merged.had_errors ||= data.had_errors;
  }
  return merged;
}

/** Whether `err` is a failed call with `code` (a stub's error, or one the client wrapped). */
function isCallError(err: unknown, code: number): boolean {
  return (
    (err instanceof DroverClientError && err.code === code) ||
    (err instanceof Error && (err as Partial<grpc.ServiceError>).code === code)
  );
}
