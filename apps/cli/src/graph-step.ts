// `drover graph step -- CMD…`: what a pipeline step's task runs (its quest's command is
// `drover graph step -- <the step's command>`, pipeline-file.ts). Inside a graph execution only.
// It activates the execution, writes the result of each attempt the step needs to
// `$DROVER_DEPS_DIR/<step>.json`, runs CMD with `DROVER_RESULT_FILE` (a path, not created) in its
// environment, stdio inherited and SIGTERM/SIGINT/SIGHUP forwarded, then:
// - CMD exited 0 → FinishAttempt with the file's JSON object, `{}` without a file (a file that is
//   not one JSON object ends the attempt RESULT_MALFORMED, as FinishAttempt decides);
// - CMD exited N ≠ 0 (or was killed) → exits N (128+signal) without finishing: the execution ends
//   FAILED and the quest's retry policy decides;
// - the execution halted meanwhile (CMD added dependencies with `drover graph ensure --dep` and
//   exited) → exits 0 without finishing: the attempt runs again once they are done.
import * as grpc from '@grpc/grpc-js';
import type {
  GraphClient,
  GraphDataOut,
  WalkGraphRequest,
  ActivateExecutionRequest,
  FinishAttemptRequest,
} from '@drover/protocol';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { printError, type CommandHost, type Connection } from './context';
import { EXIT } from './exit-codes';
import { unary } from './graph-call';
import { STEP_NAME } from './pipeline-file';

/** An execution's credentials from its env (graph.ts executionFromEnv). */
export interface StepExecutionAuth {
  readonly id: { quest: string; attempt: number; id: number };
  readonly token: Buffer;
  readonly activationToken: Buffer;
}

/** The helpers of graph.ts the run and step commands use (passed in: graph.ts registers them). */
export interface GraphKit {
  withGraph(
    host: CommandHost,
    cmd: Command,
    fn: (stub: GraphClient, md: grpc.Metadata, conn: Connection) => Promise<number>,
  ): Promise<void>;
  needExecution(host: CommandHost): Promise<StepExecutionAuth | undefined>;
}

/** WalkGraph's largest max_data_size: every dependency's result in one answer if it can be. */
const MAX_WALK_DATA_SIZE = 30 * 1024 * 1024;
const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export function registerGraphStep(graph: Command, host: CommandHost, kit: GraphKit): void {
  graph
    .command('step')
    .description(
      "Run a pipeline step's command (what each step of `drover graph run` runs; inside a graph " +
        'execution only): the results of the steps it needs are in $DROVER_DEPS_DIR/<step>.json; ' +
        'exit 0 finishes the step with the JSON object written to $DROVER_RESULT_FILE ({} ' +
        'without one); exit N fails it (its retry policy decides).',
    )
    .argument('<command...>', 'the command and its arguments, after --')
    .action(async (command: string[], _opts: object, cmd: Command) => {
      const auth = await kit.needExecution(host);
      if (auth === undefined) return;
      await kit.withGraph(host, cmd, async (stub, md) => {
        await unary<ActivateExecutionRequest, object>(
          stub.ActivateExecution.bind(stub),
          { auth: { id: auth.id, token: auth.activationToken }, execution_token: auth.token },
          md,
        );
        const dir = mkdtempSync(join(host.rt.env.TMPDIR || tmpdir(), 'drover-step-'));
        try {
          const depsDir = join(dir, 'deps');
          mkdirSync(depsDir);
          await writeDependencies(kit, stub, md, auth, depsDir);
          const resultFile = join(dir, 'result.json');
          const code = await runCommand(host, command, {
            DROVER_DEPS_DIR: depsDir,
            DROVER_RESULT_FILE: resultFile,
          });
          if (code !== 0) return code;
          const object = existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : '{}';
          try {
            await unary<FinishAttemptRequest, object>(
              stub.FinishAttempt.bind(stub),
              { auth: { id: auth.id, token: auth.token }, data: { object, expiration: null } },
              md,
            );
          } catch (err) {
            // Not RUNNING any more: the command halted the execution (should_halt) or finished
            // the attempt itself (`drover graph finish`); either way there is nothing to do.
            if (isServiceError(err) && err.code === grpc.status.FAILED_PRECONDITION) return EXIT.OK;
            throw err;
          }
          return EXIT.OK;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

/**
 * Writes each FINISHED forward dependency's result object to `<dir>/<name>.json`, the name being
 * its quest's display name (a pipeline step's name) or, without a usable one, its quest id.
 */
async function writeDependencies(
  kit: GraphKit,
  stub: GraphClient,
  md: grpc.Metadata,
  auth: StepExecutionAuth,
  dir: string,
): Promise<void> {
  const walk = (attempts: Array<{ quest: string; id: number }>, depth: number) =>
    unary<WalkGraphRequest, GraphDataOut>(
      stub.WalkGraph.bind(stub),
      {
        auth: { id: auth.id, token: auth.token },
        query: { attempt_list: attempts },
        mode: { direction: 'FORWARDS' },
        limit: { max_depth: depth, max_data_size: MAX_WALK_DATA_SIZE },
        include: { quest_data: true, attempt_data: true, attempt_result: true, fwd_deps: true },
      },
      md,
    );
  const data = await walk([{ quest: auth.id.quest, id: auth.id.attempt }], 1);
  const own = data.quests[auth.id.quest]?.attempts[auth.id.attempt];
  const used = new Set<string>();
  for (const dep of own?.fwd_deps ?? []) {
    let quest = data.quests[dep.quest];
    let attempt = quest?.attempts[dep.id];
    if (
      attempt?.partial?.result === 'DATA_SIZE_LIMIT' ||
      attempt?.partial?.result === 'NOT_LOADED'
    ) {
      // The walk's answer was full: read this one alone.
      const alone = await walk([dep], 0);
      quest = alone.quests[dep.quest];
      attempt = quest?.attempts[dep.id];
    }
    const result = attempt?.data?.result;
    if (attempt?.data?.state !== 'FINISHED' || attempt.partial?.result !== 'LOADED' || !result)
      continue;
    const display = quest?.data?.desc?.name ?? '';
    let name = STEP_NAME.test(display) && display !== '.' && display !== '..' ? display : dep.quest;
    if (used.has(name)) name = `${name}.${dep.quest}.${dep.id}`;
    used.add(name);
    writeFileSync(join(dir, `${name}.json`), `${result.object}\n`);
  }
}

/** Runs the command with stdio inherited and signals forwarded; resolves with its exit code. */
function runCommand(
  host: CommandHost,
  command: readonly string[],
  extraEnv: Record<string, string>,
): Promise<number> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(host.rt.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: host.rt.cwd,
      env,
      stdio: 'inherit',
    });
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    let ended = false;
    const done = (code: number) => {
      if (ended) return;
      ended = true;
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      void printError(host.rt, `${command[0]}: ${err.message}`).then(() =>
        done(err.code === 'ENOENT' ? 127 : 126),
      );
    });
    child.once('exit', (code, signal) => {
      if (code !== null) done(code);
      else done(128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}
