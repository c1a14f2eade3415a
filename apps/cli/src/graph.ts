// `drover graph activate|ensure|finish|walk|result`: what a shell payload of a graph execution
// needs (DESIGN.md §5). Inside an execution's task the bot's secret env holds DROVER_EXECUTION_ID
// (`<quest>/<attempt>/<execution>`) and DROVER_EXECUTION_TOKEN (the one-time activation token,
// base64url). The execution's own token is derived from the activation token, so every command
// of the same payload authenticates the same way without keeping state between commands.
import * as grpc from '@grpc/grpc-js';
import { DroverClientError } from '@drover/client';
import {
  CLIENT_CHANNEL_OPTIONS,
  canonicalJson,
  loadDroverProto,
  msToTimestamp,
  type EnsureGraphDataRequest,
  type EnsureGraphDataResponseOut,
  type GraphClient,
  type GraphDataOut,
  type QuestDescWire,
  type WalkGraphRequest,
} from '@drover/protocol';
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  printError,
  resolveConnection,
  withLogin,
  describeError,
  writeJson,
  type CommandHost,
  type Connection,
  type GlobalOptions,
  type Runtime,
} from './context';
import { EXIT, exitCodeForError } from './exit-codes';
import { unary } from './graph-call';
import { registerGraphRun } from './graph-run';
import { registerGraphStep } from './graph-step';
import { questDescFromFlags, registerGraphRuns } from './graph-runs';

interface ExecutionAuth {
  id: { quest: string; attempt: number; id: number };
  /** The execution's own token (derived; see executionToken). */
  token: Buffer;
  activationToken: Buffer;
}

/** The execution's own token: SHA-256 of a label and the activation token (32 bytes). */
export function executionToken(activationToken: Uint8Array): Buffer {
  return createHash('sha256').update('drover-execution-token\0').update(activationToken).digest();
}

/** DROVER_EXECUTION_ID and DROVER_EXECUTION_TOKEN, or a message saying what is missing. */
export function executionFromEnv(env: Runtime['env']): ExecutionAuth | string {
  const id = env.DROVER_EXECUTION_ID;
  const token = env.DROVER_EXECUTION_TOKEN;
  if (!id || !token)
    return 'DROVER_EXECUTION_ID and DROVER_EXECUTION_TOKEN are not set (run inside a graph execution)';
  const m = /^([A-Za-z0-9_-]{43})\/(\d+)\/(\d+)$/.exec(id);
  if (m === null) return `DROVER_EXECUTION_ID: want <quest>/<attempt>/<execution>, got ${id}`;
  const activationToken = Buffer.from(token, 'base64url');
  return {
    id: { quest: m[1]!, attempt: Number(m[2]), id: Number(m[3]) },
    token: executionToken(activationToken),
    activationToken,
  };
}

/** `<quest>:<n>`; the quest may be an index into this call's --quest list (`0:1`). */
export function parseAttemptRef(text: string): { quest: string; id: number } {
  const colon = text.lastIndexOf(':');
  const n = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(n) || n < 1) {
    throw new Error(`want <quest>:<attempt number>, got ${JSON.stringify(text)}`);
  }
  return { quest: text.slice(0, colon), id: n };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs `fn` with a Graph stub; failed calls print their message and set the exit code. */
async function withGraph(
  host: CommandHost,
  cmd: Command,
  fn: (stub: GraphClient, md: grpc.Metadata, conn: Connection) => Promise<number>,
): Promise<void> {
  const { rt } = host;
  const resolved = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), rt.env, rt.cwd);
  if (!resolved.ok) {
    await printError(rt, resolved.message);
    host.exitWith(EXIT.USAGE);
    return;
  }
  const withCached = await withLogin(resolved.value, rt);
  if (!withCached.ok) {
    await printError(rt, withCached.message);
    host.exitWith(EXIT.RPC_ERROR);
    return;
  }
  const conn = withCached.value;
  const credentials =
    conn.tls === false
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(conn.tls === true ? null : conn.tls.rootCerts);
  const proto = loadDroverProto().drover.v1;
  const stub = new proto.Graph(conn.server, credentials, CLIENT_CHANNEL_OPTIONS);
  const md = new grpc.Metadata();
  if (conn.token !== undefined) md.set('authorization', `Bearer ${conn.token}`);
  try {
    host.exitWith(await fn(stub, md, conn));
  } catch (err) {
    const wrapped = isServiceError(err)
      ? new DroverClientError(err.code, err.details, conn.server, { cause: err })
      : err;
    await printError(rt, describeError(wrapped, conn));
    host.exitWith(exitCodeForError(wrapped));
  } finally {
    stub.close();
  }
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

/** The execution from the env, or a usage error printed. */
async function needExecution(host: CommandHost): Promise<ExecutionAuth | undefined> {
  const auth = executionFromEnv(host.rt.env);
  if (typeof auth !== 'string') return auth;
  await printError(host.rt, auth);
  host.exitWith(EXIT.USAGE);
  return undefined;
}

function readJsonArg(arg: string): string {
  return arg === '-' ? readFileSync(0, 'utf8') : arg;
}

export function registerGraph(program: Command, host: CommandHost): void {
  const graph = program
    .command('graph')
    .description(
      'Workflow graph: quests, attempts, pipeline runs, and the payload side of an execution. ' +
        'Inside an execution (DROVER_EXECUTION_ID and DROVER_EXECUTION_TOKEN set, as in its ' +
        'task) ensure, finish, walk and result call as that execution, which `activate` must ' +
        "have activated first (`graph step` does both); each command's help says where it works.",
    );

  graph
    .command('activate')
    .description(
      'Activate this execution (idempotent); prints the execution id. Inside an execution only ' +
        '(needs DROVER_EXECUTION_ID/TOKEN; no client token).',
    )
    .action(async (_opts: object, cmd: Command) => {
      const auth = await needExecution(host);
      if (auth === undefined) return;
      await withGraph(host, cmd, async (stub, md) => {
        await unary(
          stub.ActivateExecution.bind(stub),
          { auth: { id: auth.id, token: auth.activationToken }, execution_token: auth.token },
          md,
        );
        await writeJson(host.rt.stdout, {
          activated: true,
          execution: canonicalJson('ExecutionId', auth.id),
        });
        return EXIT.OK;
      });
    });

  graph
    .command('ensure')
    .description(
      'Create quests and attempts; prints {"quest_ids": [...], "should_halt": bool}. Anywhere: ' +
        'outside an execution with a client token (`submit` in the pool of each quest), inside ' +
        'one as that execution once activated (DROVER_EXECUTION_ID/TOKEN; no client token ' +
        'needed, none used). --dep only inside an execution: adds dependencies of it and prints ' +
        'should_halt (the payload must then exit; it runs again when they are done). Quests: ' +
        'each --quest (JSON) in order, ' +
        'then the one built from --distributor/--name/--param/--dist-param/--retry/--timeout ' +
        'when any is given: its index is the number of --quest (0 without --quest), so ' +
        '`--param a=1 --attempt 0:1` creates its attempt 1.',
    )
    .option('--quest <desc-json>', 'a Quest.Desc as JSON (proto field names), repeatable', collect)
    .option('--distributor <name>', "the built quest's distributor (default: drover)")
    .option('--name <name>', "the built quest's display name (not part of its id)")
    .option(
      '--param <k=v>',
      "a member of the built quest's parameters, repeatable; v is taken as JSON when it is " +
        'valid JSON (1, true, ["a"], {"b":2}), else as a string',
      collect,
    )
    .option(
      '--dist-param <k=v>',
      'a member of its distributor_parameters, the same way, repeatable: ' +
        `'command=["echo","hi"]' 'dimensions={"pool":"ci"}'`,
      collect,
    )
    .option('--retry <counts>', 'its retry policy: failed=N,crashed=N,expired=N,timed_out=N')
    .option('--timeout <secs>', 'its timeouts in seconds: run=N,start=N,stop=N')
    .option(
      '--attempt <quest:n>',
      'an attempt to create (quest id, or index of the quest)',
      collect,
    )
    .option('--dep <quest:n>', 'a dependency of this execution, repeatable', collect)
    .option('--halt-exit-code <code>', 'exit with this code when the execution must halt')
    .action(
      async (
        opts: {
          quest?: string[];
          distributor?: string;
          name?: string;
          param?: string[];
          distParam?: string[];
          retry?: string;
          timeout?: string;
          attempt?: string[];
          dep?: string[];
          haltExitCode?: string;
        },
        cmd: Command,
      ) => {
        const deps = opts.dep ?? [];
        // Inside an execution the call is the execution's (a payload has no client token), with
        // or without dependencies; outside one, --dep is a usage error.
        const inEnv = executionFromEnv(host.rt.env);
        const auth =
          deps.length > 0
            ? await needExecution(host)
            : typeof inEnv === 'string'
              ? undefined
              : inEnv;
        if (deps.length > 0 && auth === undefined) return;
        const built = questDescFromFlags(opts);
        if (!built.ok) {
          await printError(host.rt, built.message);
          host.exitWith(EXIT.USAGE);
          return;
        }
        let req: EnsureGraphDataRequest;
        try {
          const quests = (opts.quest ?? []).map((q, i) => {
            try {
              return JSON.parse(readJsonArg(q)) as QuestDescWire;
            } catch (err) {
              throw new Error(`--quest #${i + 1}: not JSON: ${(err as Error).message}`);
            }
          });
          if (built.value !== undefined) quests.push(built.value);
          req = {
            quests,
            attempts: (opts.attempt ?? []).map(parseAttemptRef),
            dependencies: deps.map(parseAttemptRef),
            ...(auth === undefined ? {} : { for_execution: { id: auth.id, token: auth.token } }),
          };
        } catch (err) {
          await printError(host.rt, (err as Error).message);
          host.exitWith(EXIT.USAGE);
          return;
        }
        await withGraph(host, cmd, async (stub, md) => {
          const res = await unary<EnsureGraphDataRequest, EnsureGraphDataResponseOut>(
            stub.EnsureGraphData.bind(stub),
            req,
            md,
          );
          // Two fields of the EnsureGraphDataResponse, each Quest.ID as its id string: payload
          // scripts read `quest_ids[i]` and `should_halt` (docs/json.md).
          await writeJson(host.rt.stdout, {
            quest_ids: res.quest_ids.map((q) => q.id),
            should_halt: res.should_halt,
          });
          return res.should_halt && opts.haltExitCode !== undefined
            ? Number(opts.haltExitCode)
            : EXIT.OK;
        });
      },
    );

  graph
    .command('finish')
    .description(
      "Record this execution's result: one JSON object ('-' reads stdin). Inside an execution " +
        'only (needs DROVER_EXECUTION_ID/TOKEN; no client token).',
    )
    .argument('<json>')
    .option(
      '--expires-in <seconds>',
      'the result expires this many seconds from now (a new dependency on it then re-runs it)',
    )
    .action(async (json: string, opts: { expiresIn?: string }, cmd: Command) => {
      const auth = await needExecution(host);
      if (auth === undefined) return;
      const expiresInSecs = opts.expiresIn === undefined ? undefined : Number(opts.expiresIn);
      if (expiresInSecs !== undefined && !Number.isFinite(expiresInSecs)) {
        await printError(host.rt, `--expires-in: want a number of seconds, got ${opts.expiresIn}`);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const expiration =
        expiresInSecs === undefined ? null : msToTimestamp(Date.now() + expiresInSecs * 1000);
      await withGraph(host, cmd, async (stub, md) => {
        await unary(
          stub.FinishAttempt.bind(stub),
          {
            auth: { id: auth.id, token: auth.token },
            data: { object: readJsonArg(json), expiration },
          },
          md,
        );
        await writeJson(host.rt.stdout, {
          finished: true,
          execution: canonicalJson('ExecutionId', auth.id),
        });
        return EXIT.OK;
      });
    });

  graph
    .command('walk')
    .description(
      'Walk the graph from attempts; prints GraphData as JSON (docs/json.md). Anywhere: outside ' +
        'an execution with a client token (results of quests in pools where it has `view`), ' +
        'inside one as that execution (results of its dependencies only).',
    )
    .argument('<quest:n...>')
    .option('--depth <n>', '-1 = all, 0 = the attempts given', '0')
    .option('--direction <dir>', 'forwards | backwards | both', 'forwards')
    .option('--results', 'include attempt data and results')
    .option('--executions', 'include executions')
    .option('--deps', 'include fwd_deps and back_deps')
    .action(
      async (
        refs: string[],
        opts: {
          depth: string;
          direction: string;
          results?: boolean;
          executions?: boolean;
          deps?: boolean;
        },
        cmd: Command,
      ) => {
        const data = await walkFrom(host, cmd, refs, opts);
        if (data !== undefined) await writeJson(host.rt.stdout, canonicalJson('GraphData', data));
      },
    );

  graph
    .command('result')
    .description(
      "Print attempts' result objects, one a line in the order given. Anywhere: outside an " +
        "execution with a client token (`view` in the quest's pool), inside one as that " +
        "execution (only its dependencies' results).",
    )
    .argument('<quest:n...>')
    .action(async (refs: string[], _opts: object, cmd: Command) => {
      const data = await walkFrom(host, cmd, refs, {
        depth: '0',
        direction: 'forwards',
        results: true,
      });
      if (data === undefined) return;
      const lines: string[] = [];
      for (const ref of refs) {
        const { quest, id } = parseAttemptRef(ref);
        const attempt = data.quests[quest]?.attempts[id];
        const result = attempt?.data?.result;
        if (attempt === undefined || result === null || result === undefined) {
          await printError(
            host.rt,
            `${ref}: no result (${attempt?.data?.state ?? 'no such attempt'})`,
          );
          host.exitWith(EXIT.RPC_ERROR);
          return;
        }
        if (attempt.partial?.result !== 'LOADED') {
          await printError(host.rt, `${ref}: result not readable (${attempt.partial?.result})`);
          host.exitWith(EXIT.RPC_ERROR);
          return;
        }
        lines.push(`${result.object}\n`);
      }
      host.rt.stdout.write(lines.join(''));
    });

  registerGraphRuns(graph, host, withGraph);
  registerGraphRun(graph, host, { withGraph, needExecution });
  registerGraphStep(graph, host, { withGraph, needExecution });
}

async function walkFrom(
  host: CommandHost,
  cmd: Command,
  refs: readonly string[],
  opts: {
    depth: string;
    direction: string;
    results?: boolean;
    executions?: boolean;
    deps?: boolean;
  },
): Promise<GraphDataOut | undefined> {
  const direction = opts.direction.toUpperCase();
  let req: WalkGraphRequest;
  try {
    if (!['FORWARDS', 'BACKWARDS', 'BOTH'].includes(direction)) {
      throw new Error(`--direction: forwards, backwards or both, got ${opts.direction}`);
    }
    const auth = executionFromEnv(host.rt.env);
    req = {
      query: { attempt_list: refs.map(parseAttemptRef) },
      mode: { direction: direction as 'FORWARDS' | 'BACKWARDS' | 'BOTH' },
      limit: { max_depth: Number(opts.depth) },
      include: {
        attempt_data: opts.results === true,
        attempt_result: opts.results === true,
        executions: opts.executions === true,
        execution_data: opts.executions === true,
        fwd_deps: opts.deps === true,
        back_deps: opts.deps === true,
      },
      ...(typeof auth === 'string' ? {} : { auth: { id: auth.id, token: auth.token } }),
    };
  } catch (err) {
    await printError(host.rt, (err as Error).message);
    host.exitWith(EXIT.USAGE);
    return undefined;
  }
  let data: GraphDataOut | undefined;
  await withGraph(host, cmd, async (stub, md) => {
    data = await unary<WalkGraphRequest, GraphDataOut>(stub.WalkGraph.bind(stub), req, md);
    return EXIT.OK;
  });
  return data;
}
