// `drover reproduce ID`: runs a task's command on this machine, in a fresh directory, with the
// task's environment, and exits with the command's exit code. Only what GetRequest returns can be
// reproduced: the plan says what is missing (caches, secret variables, limits). The input tree
// (cas_input_root) is downloaded into the work dir first; secret bytes, never returned, only
// with --secret-file.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import type { TaskRequestOut } from '@drover/protocol';
import { optionParser, parseCount } from './args';
import {
  UNARY_DEADLINE_MS,
  printError,
  type CommandHost,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT, processExitCode } from './exit-codes';
import { withCas } from './cas';
import { downloadTree } from './cas-transfer';
import { digestText } from './cas-walk';
import { secretFileOption } from './submit-inputs';

/** Exit code when the command could not be started at all (as a shell's "command not found"). */
export const CANNOT_RUN_EXIT_CODE = 127;

/**
 * The secret variables a graph execution's task gets (apps/coordinator execution-task.ts); other
 * tasks made through the API may have secret variables too, with names nobody but the bot sees.
 */
const GRAPH_TAG = 'drover-graph-execution:';
const GRAPH_SECRET_ENV = ['DROVER_EXECUTION_ID', 'DROVER_EXECUTION_TOKEN'];

/** Variables a bot sets for its task that mean nothing here: unset (children would link to it). */
const BOT_ONLY_ENV = ['DROVER_TASK_ID', 'DROVER_BOT_ID', 'DROVER_TASK_NONCE'];

export interface ReproducePlan {
  readonly command: readonly string[];
  /** The process's working directory: `<dir>/w` or relative_cwd under it. */
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Made before the start: the work dir, its cwd, DROVER_OUTDIR, an empty dir per cache. */
  readonly dirs: readonly string[];
  /** The slice's input tree, downloaded into `workDir` before the start. */
  readonly inputRoot: { hash: string; size: number } | undefined;
  readonly workDir: string;
  /** Where the secret bytes go (0600) when given: DROVER_SECRET_BYTES_PATH. */
  readonly secretPath: string | undefined;
  /** What the user is told first: where, and what could not be reproduced. */
  readonly notes: readonly string[];
}

/** Resolves a relative path inside `root`, refusing one that leaves it (as the bot does). */
function inside(root: string, rel: string, field: string): string | { error: string } {
  const full = resolve(root, rel);
  const back = relative(root, full);
  if (isAbsolute(rel) || back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back))
    return { error: `${field}: ${JSON.stringify(rel)} is not inside the task's work dir` };
  return full;
}

/**
 * How to run slice `sliceIndex` of `request` under `dir`: `<dir>/w` as the work dir and
 * `<dir>/out` as DROVER_OUTDIR (the bot's layout), `baseEnv` (the caller's) in place of the bot's
 * environment, then the task's env and env_prefixes, as the bot applies them. Pure.
 */
export function reproducePlan(
  request: TaskRequestOut,
  sliceIndex: number,
  dir: string,
  baseEnv: Readonly<Record<string, string | undefined>>,
  opts: { secret?: boolean } = {},
): { ok: true; plan: ReproducePlan } | { ok: false; message: string } {
  const slice = request.task_slices[sliceIndex];
  const p = slice?.properties;
  if (!p) return { ok: false, message: `task ${request.task_id} has no slice ${sliceIndex}` };
  const workDir = join(dir, 'w');
  const outDir = join(dir, 'out');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  for (const k of BOT_ONLY_ENV) delete env[k];
  // An empty value unsets a variable (Swarming's rule, as the bot's task-env.ts).
  for (const { key, value } of p.env) {
    if (value === '') delete env[key];
    else env[key] = value;
  }
  for (const { key, value: paths } of p.env_prefixes) {
    const full: string[] = [];
    for (const rel of paths) {
      const r = inside(workDir, rel, `env_prefixes.${key}`);
      if (typeof r !== 'string') return { ok: false, message: r.error };
      full.push(r);
    }
    const current = env[key];
    env[key] = [...full, ...(current ? [current] : [])].join(delimiter);
  }
  env.DROVER_OUTDIR = outDir;
  delete env.DROVER_SECRET_BYTES_PATH;
  const secretPath = opts.secret === true ? join(dir, 'secret_bytes') : undefined;
  if (secretPath !== undefined) env.DROVER_SECRET_BYTES_PATH = secretPath;
  const cwd = inside(workDir, p.relative_cwd, 'relative_cwd');
  if (typeof cwd !== 'string') return { ok: false, message: cwd.error };
  const dirs = [workDir, cwd, outDir];
  for (const c of p.caches) {
    const at = inside(workDir, c.path, `caches.${c.name}`);
    if (typeof at !== 'string') return { ok: false, message: at.error };
    dirs.push(at);
  }

  const notes = [
    `reproducing task ${request.task_id} (slice ${sliceIndex}) in ${dir}: ` +
      `work dir ${workDir}, DROVER_OUTDIR ${outDir}`,
    "not reproduced: the bot's files (nothing but what exists on this machine), " +
      "the bot's environment (yours instead, without " +
      `${BOT_ONLY_ENV.join(', ')}), timeouts and resource limits`,
  ];
  const root = p.cas_input_root;
  const inputRoot =
    root && root.hash !== '' ? { hash: root.hash, size: Number(root.size_bytes) } : undefined;
  if (inputRoot !== undefined)
    notes.push(`inputs: the tree ${digestText(inputRoot)} is downloaded into ${workDir}`);
  if (request.has_secret_bytes)
    notes.push(
      secretPath === undefined
        ? 'the task had secret bytes, which the coordinator never returns: ' +
            'give --secret-file <file> to have them at $DROVER_SECRET_BYTES_PATH'
        : `secret bytes: your --secret-file, at ${secretPath}`,
    );
  if (p.caches.length > 0)
    notes.push(`caches start empty: ${p.caches.map((c) => `${c.name} at ${c.path}`).join(', ')}`);
  const graph = request.tags.some((t) => t.startsWith(GRAPH_TAG));
  notes.push(
    graph
      ? `secret variables not set (GetRequest never returns them): ${GRAPH_SECRET_ENV.join(', ')}`
      : 'secret variables, if the task had any, are not set (GetRequest never returns them)',
  );
  return {
    ok: true,
    plan: { command: [...p.command], cwd, env, dirs, inputRoot, workDir, secretPath, notes },
  };
}

/** A fresh directory: `--dir` (made if missing, refused unless empty) or a new temp dir. */
function freshDir(
  given: string | undefined,
  cwd: string,
  taskId: string,
): string | { error: string } {
  if (given === undefined)
    return mkdtempSync(join(tmpdir(), `drover-reproduce-${taskId.slice(0, 20)}-`));
  const dir = resolve(cwd, given);
  try {
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0) return { error: `--dir ${given} is not empty` };
  } catch (err) {
    return { error: `--dir ${given}: ${(err as Error).message}` };
  }
  return dir;
}

/** Runs the plan with the output on the runtime's stdout and stderr; the shell's exit code. */
async function run(rt: Runtime, plan: ReproducePlan): Promise<number> {
  for (const d of plan.dirs) mkdirSync(d, { recursive: true });
  const [program, ...args] = plan.command;
  const child = spawn(program ?? '', args, {
    cwd: plan.cwd,
    env: plan.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(rt.stdout, { end: false });
  child.stderr.pipe(rt.stderr, { end: false });
  // Ctrl-C reaches the command too (same terminal); wait for it to end instead of dying first.
  const stopIgnoring = rt.onInterrupt?.(() => undefined);
  try {
    // 'error' (the program could not be started) or 'close' (it ended, its output all read).
    const ended = await new Promise<Error | [number | null, NodeJS.Signals | null]>((done) => {
      child.once('error', done);
      child.once('close', (code, signal) => done([code, signal]));
    });
    if (ended instanceof Error) {
      await printError(rt, `cannot run ${JSON.stringify(program)}: ${ended.message}`);
      return CANNOT_RUN_EXIT_CODE;
    }
    const [code, signal] = ended;
    return signal === null ? processExitCode(code ?? undefined) : 128 + constants.signals[signal];
  } finally {
    stopIgnoring?.();
  }
}

export function registerReproduce(program: Command, host: CommandHost): void {
  program
    .command('reproduce')
    .description(
      "Run a task's command here, in a fresh directory with its environment; exits with its code.",
    )
    .argument('<task-id>')
    .option('--dir <dir>', 'run in this directory (made if missing; must be empty)')
    .option(
      '--secret-file <file>',
      "the task's secret bytes (never returned by the coordinator), at $DROVER_SECRET_BYTES_PATH",
    )
    .option(
      '--slice <n>',
      'the slice to take (default: the one the task got to)',
      optionParser(parseCount),
    )
    .action(
      async (
        id: string,
        opts: { dir?: string; slice?: number; secretFile?: string },
        cmd: Command,
      ) => {
        const { rt } = host;
        const secretFile = await secretFileOption(host, opts.secretFile);
        if (secretFile.failed) return;
        const secret = secretFile.secret;
        // The calls first, the client closed before the command runs (it may run for hours).
        let plan: ReproducePlan | undefined;
        const code = await withCas(
          rt,
          cmd.optsWithGlobals<GlobalOptions>(),
          async (client, cas) => {
            const request = await client.getRequest(id, { deadlineMs: UNARY_DEADLINE_MS });
            const slice =
              opts.slice ??
              (await client.getResult(id, { deadlineMs: UNARY_DEADLINE_MS })).current_task_slice;
            const dir = freshDir(opts.dir, rt.cwd, request.task_id);
            if (typeof dir !== 'string') {
              await printError(rt, dir.error);
              return EXIT.USAGE;
            }
            const planned = reproducePlan(request, slice, dir, rt.env, {
              secret: secret !== undefined,
            });
            if (!planned.ok) {
              await printError(rt, planned.message);
              return EXIT.USAGE;
            }
            const p = planned.plan;
            if (p.inputRoot !== undefined)
              await downloadTree(cas, p.inputRoot, p.workDir, rt.stderr);
            if (p.secretPath !== undefined && secret !== undefined)
              writeFileSync(p.secretPath, secret, { mode: 0o600, flag: 'wx' });
            plan = p;
            return EXIT.OK;
          },
        );
        if (plan === undefined) return host.exitWith(code);
        for (const note of plan.notes) await printError(rt, note);
        host.exitWith(await run(rt, plan));
      },
    );
}
