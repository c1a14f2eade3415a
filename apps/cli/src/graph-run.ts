// `drover graph run <file>`: a pipeline file (pipeline-file.ts) run as graph quests. Each step's
// latest attempt is found (WalkGraph over attempt ranges) and reused when FINISHED or still going;
// a step gets a new attempt when its latest ended ABNORMAL_FINISHED, when a step it needs gets a
// new one, or with --rerun. One EnsureGraphData creates the quests, the attempts, their needs and
// the run; then the run is watched (GetRun and WalkGraph, polled) until every step is final: a
// tree redrawn in place on a terminal, a line per change otherwise, or with --json one line per
// change of a Run.Step and the whole Run at the end (canonical JSON, docs/json.md).
import type * as grpc from '@grpc/grpc-js';
import {
  canonicalJson,
  timestampToMs,
  type AttemptWireOut,
  type EnsureGraphDataRequest,
  type EnsureGraphDataResponseOut,
  type GraphClient,
  type GraphDataOut,
  type TimestampOut,
  type WalkGraphRequest,
} from '@drover/protocol';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printError, write, writeLine, type CommandHost, type Runtime } from './context';
import { EXIT } from './exit-codes';
import { unary } from './graph-call';
import type { GraphKit } from './graph-step';
import { readPipelineFile, type Pipeline, type PipelineStep } from './pipeline-file';
import { parseTaskFileText } from './task-file';

/** How often the run is read while it goes on. */
export const POLL_INTERVAL_MS = 250;
const MAX_ATTEMPT = 0xffff_ffff;

/** Run.Step as GetRun answers it (proto-loader, enums by name). */
export interface RunStepOut {
  name: string;
  attempt: { quest: string; id: number } | null;
  needs: string[];
  state: string;
}

/** Run as GetRun answers it. */
export interface RunOut {
  id: string;
  name: string;
  created: TimestampOut | null;
  user: string;
  pools: string[];
  steps: RunStepOut[];
}

/** Each step's attempt in this run, and whether this run creates it. */
export interface StepChoice {
  readonly attempt: number;
  readonly isNew: boolean;
}

/**
 * The attempt each step runs as (steps in topological order). `latest`: the step's quest's latest
 * attempt number and state, when it has one.
 */
export function chooseAttempts(
  steps: readonly PipelineStep[],
  latest: ReadonlyMap<string, { attempt: number; state: string }>,
  rerun: boolean,
): Map<string, StepChoice> {
  const chosen = new Map<string, StepChoice>();
  for (const step of steps) {
    const last = latest.get(step.questId);
    const isNew =
      rerun ||
      last === undefined ||
      last.state === 'ABNORMAL_FINISHED' ||
      step.needs.some((n) => chosen.get(n)?.isNew === true);
    chosen.set(step.name, {
      attempt: last === undefined ? 1 : isNew ? last.attempt + 1 : last.attempt,
      isNew,
    });
  }
  return chosen;
}

/** The EnsureGraphData request creating the run: quests, attempts, needs and the run itself. */
export function ensureRequest(
  pipeline: Pipeline,
  chosen: ReadonlyMap<string, StepChoice>,
): EnsureGraphDataRequest {
  const ref = (name: string) => {
    const step = pipeline.steps.find((s) => s.name === name)!;
    return { quest: step.questId, id: chosen.get(name)!.attempt };
  };
  return {
    quests: pipeline.steps.map((s) => s.desc),
    attempts: pipeline.steps.map((s) => ref(s.name)),
    needs: pipeline.steps
      .filter((s) => s.needs.length > 0)
      .map((s) => ({ attempt: ref(s.name), needs: s.needs.map(ref) })),
    run: {
      name: pipeline.name,
      steps: pipeline.steps.map((s) => ({
        name: s.name,
        attempt: ref(s.name),
        needs: [...s.needs],
      })),
    },
  };
}

const FINAL = new Set(['FINISHED', 'ABNORMAL_FINISHED']);

/** What the tree shows of one step. */
export interface StepView {
  readonly name: string;
  readonly depth: number;
  readonly needs: readonly string[];
  readonly state: string;
  readonly attempt: number;
  /** The latest execution's number (0: none yet), state and task. */
  readonly execution: number;
  readonly executionState: string;
  readonly taskId: string;
  readonly durationMs: number | undefined;
  readonly abnormal: { status: string; reason: string } | undefined;
}

/** Each step's depth in the tree: 0 without needs, else one more than its deepest need. */
export function stepDepths(steps: readonly PipelineStep[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const s of steps) depth.set(s.name, Math.max(-1, ...s.needs.map((n) => depth.get(n)!)) + 1);
  return depth;
}

/** The views of the steps from the run's states and a walk of their attempts. */
export function stepViews(
  pipeline: Pipeline,
  run: RunOut,
  walked: GraphDataOut,
  nowMs: number,
): StepView[] {
  const depths = stepDepths(pipeline.steps);
  const states = new Map(run.steps.map((s) => [s.name, s]));
  return pipeline.steps.map((s) => {
    const runStep = states.get(s.name);
    const attemptNo = runStep?.attempt?.id ?? 0;
    const a: AttemptWireOut | undefined = walked.quests[s.questId]?.attempts[attemptNo];
    const executions = Object.values(a?.executions ?? {}).sort(
      (x, y) => (x.id?.id ?? 0) - (y.id?.id ?? 0),
    );
    const last = executions.at(-1);
    const state = runStep?.state ?? a?.data?.state ?? 'SCHEDULING';
    const created = timestampToMs(a?.data?.created);
    const modified = timestampToMs(a?.data?.modified);
    const abnormal = a?.data?.abnormal_finish;
    return {
      name: s.name,
      depth: depths.get(s.name) ?? 0,
      needs: s.needs,
      state,
      attempt: attemptNo,
      execution: last?.id?.id ?? 0,
      executionState: last?.data?.state ?? '',
      taskId: last?.data?.task_id ?? '',
      durationMs:
        created === null
          ? undefined
          : (FINAL.has(state) && modified !== null ? modified : nowMs) - created,
      abnormal:
        state === 'ABNORMAL_FINISHED' && abnormal
          ? { status: abnormal.status, reason: abnormal.reason }
          : undefined,
    };
  });
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return s < 3600
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One step's line: indented by depth, then state, attempt/execution, duration and task. */
export function stepLine(v: StepView, nameWidth: number): string {
  const name = `${'  '.repeat(v.depth)}${v.depth > 0 ? '└ ' : ''}${v.name}`;
  const at = v.execution > 0 ? `#${v.attempt}.${v.execution}` : `#${v.attempt}`;
  const parts = [
    name.padEnd(nameWidth),
    v.state.padEnd(17),
    at.padEnd(7),
    duration(v.durationMs).padStart(7),
  ];
  if (v.taskId !== '') parts.push(`task ${v.taskId}`);
  if (v.needs.length > 1) parts.push(`(needs ${v.needs.join(', ')})`);
  if (v.abnormal !== undefined) parts.push(`${v.abnormal.status}: ${v.abnormal.reason}`);
  return parts.join('  ').trimEnd();
}

const viewKey = (v: StepView) => `${v.state}|${v.execution}|${v.executionState}|${v.taskId}`;

/** Where the run's progress goes: a redrawn tree, lines, or JSON lines. */
class Progress {
  readonly #rt: Runtime;
  readonly #json: boolean;
  readonly #tty: boolean;
  readonly #seen = new Map<string, string>();
  #drawnLines = 0;

  constructor(rt: Runtime, json: boolean) {
    this.#rt = rt;
    this.#json = json;
    this.#tty = !json && (rt.stdout as { isTTY?: boolean }).isTTY === true;
  }

  async show(views: readonly StepView[], run: RunOut): Promise<void> {
    if (this.#json) {
      for (const step of run.steps) {
        if (this.#seen.get(step.name) === step.state) continue;
        this.#seen.set(step.name, step.state);
        await writeLine(this.#rt.stdout, JSON.stringify(canonicalJson('drover.v1.Run.Step', step)));
      }
      return;
    }
    const width = Math.max(
      ...views.map((v) => v.depth * 2 + (v.depth > 0 ? 2 : 0) + v.name.length),
    );
    if (this.#tty) {
      const lines = views.map((v) => stepLine(v, width));
      const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\x1b[J` : '';
      this.#drawnLines = lines.length;
      await write(this.#rt.stdout, `${up}${lines.join('\n')}\n`);
      return;
    }
    for (const v of views) {
      const key = viewKey(v);
      if (this.#seen.get(v.name) === key) continue;
      this.#seen.set(v.name, key);
      await writeLine(this.#rt.stdout, stepLine({ ...v, depth: 0 }, width));
    }
  }
}

/**
 * Why the run failed, a line per step that ended ABNORMAL_FINISHED; a step cancelled because a
 * step it needs failed says so.
 */
export function failureLines(views: readonly StepView[]): string[] {
  const failed = new Set(views.filter((v) => v.state === 'ABNORMAL_FINISHED').map((v) => v.name));
  return views
    .filter((v) => failed.has(v.name))
    .map((v) => {
      const status = v.abnormal?.status ?? 'ABNORMAL_FINISHED';
      const reason = v.abnormal?.reason ?? '';
      const cause = v.needs.filter((n) => failed.has(n));
      const notRun =
        v.execution === 0 && cause.length > 0 ? `, not run: needs ${cause.join(', ')}` : '';
      return `step ${v.name} ended ABNORMAL_FINISHED (${status}${notRun})${reason === '' ? '' : `: ${reason}`}`;
    });
}

export function registerGraphRun(graph: Command, host: CommandHost, kit: GraphKit): void {
  graph
    .command('run')
    .description(
      'Run a pipeline file (YAML or JSON; as a client, with a token that may submit in its ' +
        "steps' pools): each step a quest, its needs waited for; finished steps of an unchanged " +
        'pipeline are reused. Shows the steps until every one is final; exits 0 when all ' +
        'FINISHED, 3 when one ended ABNORMAL_FINISHED, 2 for a bad file (nothing created).',
    )
    .argument('<file>')
    .option('--rerun', 'run every step again, even those that finished')
    .option('--name <name>', "the run's name (default: the file's name key, else its file name)")
    .option('--json', 'a line per change of a step (Run.Step), then the Run (canonical JSON)')
    .action(async (file: string, opts: { rerun?: boolean; name?: string; json?: boolean }, cmd) => {
      const { rt } = host;
      const pipeline = await loadPipeline(rt, file, opts.name);
      if (pipeline === undefined) {
        host.exitWith(EXIT.USAGE);
        return;
      }
      await kit.withGraph(host, cmd as Command, (stub, md) =>
        runPipeline(kit, rt, stub, md, pipeline, {
          rerun: opts.rerun === true,
          json: opts.json === true,
        }),
      );
    });
}

/** The file read and checked; its problems printed (each naming its step) when it is bad. */
async function loadPipeline(
  rt: Runtime,
  file: string,
  runName: string | undefined,
): Promise<Pipeline | undefined> {
  let text: string;
  try {
    text = readFileSync(resolve(rt.cwd, file), 'utf8');
  } catch (err) {
    await printError(rt, `cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
  const parsed = parseTaskFileText(text, file);
  const read = parsed.ok
    ? readPipelineFile(parsed.value, {
        fileName: file,
        ...(runName === undefined ? {} : { runName }),
      })
    : parsed;
  if (read.ok) return read.pipeline;
  for (const e of read.errors) await printError(rt, `${file}: ${e}`);
  return undefined;
}

async function runPipeline(
  kit: GraphKit,
  rt: Runtime,
  stub: GraphClient,
  md: grpc.Metadata,
  pipeline: Pipeline,
  opts: { rerun: boolean; json: boolean },
): Promise<number> {
  const latest = await latestAttempts(kit, stub, md, pipeline);
  const chosen = chooseAttempts(pipeline.steps, latest, opts.rerun);
  let res: EnsureGraphDataResponseOut;
  try {
    res = await unary<EnsureGraphDataRequest, EnsureGraphDataResponseOut>(
      stub.EnsureGraphData.bind(stub),
      ensureRequest(pipeline, chosen),
      md,
    );
  } catch (err) {
    throw namingSteps(err, pipeline);
  }
  const runId = res.run_id;
  if (!opts.json) {
    const fresh = [...chosen.values()].filter((c) => c.isNew).length;
    const reused = pipeline.steps.length - fresh;
    await writeLine(
      rt.stdout,
      `run ${runId} (${pipeline.name}): ${pipeline.steps.length} steps, ${fresh} new, ${reused} reused`,
    );
  }

  const progress = new Progress(rt, opts.json);
  let interrupted = false;
  let wake: (() => void) | undefined;
  const stopWaiting = rt.onInterrupt?.(() => {
    interrupted = true;
    wake?.();
  });
  try {
    for (;;) {
      const run = await unary<{ run: string }, RunOut>(stub.GetRun.bind(stub), { run: runId }, md);
      const walked = await unary<WalkGraphRequest, GraphDataOut>(
        stub.WalkGraph.bind(stub),
        {
          query: {
            attempt_list: run.steps.flatMap((s) => (s.attempt === null ? [] : [s.attempt])),
          },
          include: { attempt_data: true, executions: true, execution_data: true },
        },
        md,
      );
      const views = stepViews(pipeline, run, walked, Date.now());
      await progress.show(views, run);
      if (run.steps.every((s) => FINAL.has(s.state))) {
        if (opts.json) {
          await writeLine(rt.stdout, JSON.stringify(canonicalJson('drover.v1.Run', run)));
        }
        const failures = failureLines(views);
        for (const line of failures) await printError(rt, line);
        return failures.length === 0 ? EXIT.OK : EXIT.GRAPH_RUN_FAILED;
      }
      if (interrupted) break;
      await new Promise<void>((done) => {
        wake = done;
        setTimeout(done, POLL_INTERVAL_MS);
      });
      if (interrupted) break;
    }
  } finally {
    stopWaiting?.();
  }
  await printError(rt, `interrupted; the run goes on: drover graph show ${runId}`);
  return EXIT.INTERRUPTED;
}

/** Each step's quest's latest attempt (number and state), for the steps whose quest has one. */
async function latestAttempts(
  kit: GraphKit,
  stub: GraphClient,
  md: grpc.Metadata,
  pipeline: Pipeline,
): Promise<Map<string, { attempt: number; state: string }>> {
  const data = await unary<WalkGraphRequest, GraphDataOut>(
    stub.WalkGraph.bind(stub),
    {
      query: {
        attempt_range: pipeline.steps.map((s) => ({
          quest: s.questId,
          low: 1,
          high: MAX_ATTEMPT,
        })),
      },
      include: { attempt_data: true },
    },
    md,
  );
  const latest = new Map<string, { attempt: number; state: string }>();
  for (const [quest, q] of Object.entries(data.quests)) {
    for (const a of Object.values(q.attempts)) {
      const n = a.id?.id ?? 0;
      if (n > (latest.get(quest)?.attempt ?? 0)) {
        latest.set(quest, { attempt: n, state: a.data?.state ?? 'SCHEDULING' });
      }
    }
  }
  return latest;
}

/** A refusal naming `quests[i]` (the i-th step sent) names the step instead. */
function namingSteps(err: unknown, pipeline: Pipeline): unknown {
  const e = err as Partial<grpc.ServiceError>;
  if (!(err instanceof Error) || typeof e.code !== 'number' || typeof e.details !== 'string')
    return err;
  const rename = (text: string) =>
    text.replace(
      /\b(?:quests|attempts)\[(\d+)\](\.)?/g,
      (whole, i: string, dot: string | undefined) => {
        const step = pipeline.steps[Number(i)];
        if (step === undefined) return whole;
        return `steps[${step.index}] (${step.name})${dot === undefined ? '' : ': '}`;
      },
    );
  const details = rename(e.details);
  if (details === e.details) return err;
  return Object.assign(new Error(details), { ...e, details, message: rename(err.message) });
}
