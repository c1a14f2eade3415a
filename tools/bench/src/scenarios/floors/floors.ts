import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type CoordinatorMessageOut,
} from '@drover/protocol';
import { createTask, openSqliteStore, transition, type Task, type TaskSpec } from '@drover/state';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchTasksClient, benchTaskRequest } from '../../clients/tasks-client';
import { stopChild, trackChild } from '../../harness/children';
import { BENCH_POOL } from '../../harness/drover-rig';
import { inFlight } from '../../harness/in-flight';
import { figure, nowNs, roundsValue, runRounds, spreadOf } from '../../harness/rounds';
import { numberOption, type Scenario, type ScenarioContext } from '../../harness/scenario';

interface FloorParams {
  readonly calls: number;
  readonly inFlight: number;
  readonly streams: number;
  readonly tasks: number;
  readonly rounds: number;
  /** One-at-a-time samples per round of the latency floors. */
  readonly perRound: number;
  /** The pause before each sample of the "after idle" latency floors, ms. */
  readonly idleMs: number;
  /** Samples per round of those. */
  readonly idlePerRound: number;
}

/** A measured round: how many per second, and the CPU (µs) per operation of each side. */
interface Round {
  readonly perSecond: number;
  readonly clientMicros: number;
  readonly serverMicros: number;
}

/**
 * floors: what Drover's building blocks cost alone on this machine, with no Drover logic around
 * them — the ceilings under the other scenarios' figures.
 *
 * 1. A NewTask over grpc-js: the real request, client in this process, server in a child
 *    process with a handler that answers at once (bin/bench-floor-server.js); `in-flight`
 *    outstanding, as the lifecycle producer does.
 * 2. One task's messages on a BotApi stream: Assign → TaskFinished → Ack, `streams` streams each
 *    with one task at a time, as lifecycle's simulated bots.
 * 3. The embedded store: each task inserted RUNNING then updated COMPLETED (two group-committed
 *    writes, `in-flight` at once, as a busy coordinator's), in this process.
 *
 * From these: a coordinator doing nothing but the server side of 1 and 2 and the writes of 3
 * would use one core at `1e6 / (server µs of 1 + server µs of 2 + µs of 3)` tasks/s; a producer
 * doing nothing but NewTasks at `1e6 / client µs of 1`. With batched submission (NewTask's share
 * left out): one core at `1e6 / (server µs of 2 + µs of 3)`, and the whole path — both ends of 2
 * and the writes — spread perfectly over the machine's cores at `cores × 1e6 / (client µs of 2 +
 * server µs of 2 + µs of 3)`.
 *
 * 4. One at a time, as `latency` dispatches: a NewTask round trip, and a task's stream messages
 *    on one stream, `per-round` samples per round back to back; then `idle-per-round` samples
 *    each after `idle-ms` of nothing, as `latency`'s samples come (each process waits between
 *    them while the others run): what a hop costs when the cores it wakes were idle.
 *
 * Options: --calls (20000) --in-flight (64) --streams (100) --tasks (20000) --rounds (3)
 * --per-round (500) --idle-ms (20) --idle-per-round (100).
 */
export const floors: Scenario = {
  name: 'floors',
  description:
    "grpc-js calls, stream messages and SQLite writes alone: the ceilings under Drover's",
  async run(ctx) {
    const p: FloorParams = {
      calls: numberOption(ctx, 'calls', 20_000),
      inFlight: numberOption(ctx, 'in-flight', 64),
      streams: numberOption(ctx, 'streams', 100),
      tasks: numberOption(ctx, 'tasks', 20_000),
      rounds: numberOption(ctx, 'rounds', 3),
      perRound: numberOption(ctx, 'per-round', 500),
      idleMs: numberOption(ctx, 'idle-ms', 20),
      idlePerRound: numberOption(ctx, 'idle-per-round', 100),
    };
    const server = await FloorServer.start(ctx.root);
    let unary: Round[];
    let stream: Round[];
    let oneAtATime: OneAtATime;
    try {
      unary = await measure(ctx, p, 'NewTask', (n) => unaryRound(server, p, n));
      stream = await measure(ctx, p, 'stream', (n) => streamRound(server, p, n));
      ctx.progress(
        'one at a time: NewTask, and a task on one stream (back to back, then after idle)',
      );
      oneAtATime = await latencyRounds(server, p, ctx.signal);
    } finally {
      await server.stop();
    }
    const store = await measure(ctx, p, 'SQLite', (n) => storeRound(p, n));
    const med = (rounds: Round[], pick: (r: Round) => number) => spreadOf(rounds.map(pick)).median;
    const coordinatorMicros =
      med(unary, (r) => r.serverMicros) +
      med(stream, (r) => r.serverMicros) +
      med(store, (r) => r.serverMicros);
    // Batched submission: a NewTasks call per 100 tasks, its share left out (not measured here).
    const batchedCoordinatorMicros =
      med(stream, (r) => r.serverMicros) + med(store, (r) => r.serverMicros);
    const batchedPathMicros = batchedCoordinatorMicros + med(stream, (r) => r.clientMicros);
    const cores = availableParallelism();
    return {
      parameters: { ...p, payload: 'none: handlers that answer at once' },
      figures: [
        figure('NewTask round trip, one at a time', 'ms', oneAtATime.call),
        figure('Assign → TaskFinished → Ack, one task at a time', 'ms', oneAtATime.stream),
        figure(
          `NewTask round trip, each after ${p.idleMs} ms idle`,
          'ms',
          oneAtATime.callAfterIdle,
        ),
        figure(
          `Assign → TaskFinished → Ack, each after ${p.idleMs} ms idle`,
          'ms',
          oneAtATime.streamAfterIdle,
        ),
      ],
      values: [
        roundsValue(
          'NewTask (grpc-js unary): calls/s',
          'calls/s',
          unary.map((r) => r.perSecond),
        ),
        roundsValue(
          'NewTask: client CPU per call',
          'µs',
          unary.map((r) => r.clientMicros),
        ),
        roundsValue(
          'NewTask: server CPU per call',
          'µs',
          unary.map((r) => r.serverMicros),
        ),
        roundsValue(
          'stream, Assign → TaskFinished → Ack: tasks/s',
          'tasks/s',
          stream.map((r) => r.perSecond),
        ),
        roundsValue(
          'stream: bot side CPU per task',
          'µs',
          stream.map((r) => r.clientMicros),
        ),
        roundsValue(
          'stream: server CPU per task',
          'µs',
          stream.map((r) => r.serverMicros),
        ),
        roundsValue(
          'SQLite, insert RUNNING + update COMPLETED: tasks/s',
          'tasks/s',
          store.map((r) => r.perSecond),
        ),
        roundsValue(
          'SQLite: CPU per task (incl. its checkpoint thread)',
          'µs',
          store.map((r) => r.serverMicros),
        ),
        {
          name: 'ceiling: a coordinator doing only these, one core',
          value: 1e6 / coordinatorMicros,
          unit: 'tasks/s',
        },
        {
          name: 'ceiling, batched submission: a coordinator doing only a task’s stream messages and writes, one core',
          value: 1e6 / batchedCoordinatorMicros,
          unit: 'tasks/s',
        },
        {
          name: `ceiling, batched submission: the whole path (bot side, server side, writes) over all ${cores} cores`,
          value: (cores * 1e6) / batchedPathMicros,
          unit: 'tasks/s',
        },
        {
          name: 'ceiling: a grpc-js producer doing only NewTask, one core',
          value: 1e6 / med(unary, (r) => r.clientMicros),
          unit: 'tasks/s',
        },
      ],
      notes: [
        'No Drover logic runs here: the server answers every call and message at once, the store is written without an engine. Drover can only be slower than these ceilings; lifecycle shows by how much.',
        'The client, the simulated bots and the SQLite writer run in the bench process, the gRPC server in a child process; all share the machine’s cores.',
        'The batched ceilings leave NewTasks’ own share out (one call per batch). No coordinator built on these blocks can pass them: set them beside peers’ batched rate for BullMQ’s addBulk on the same machine.',
      ],
    };
  },
};

async function measure(
  ctx: ScenarioContext,
  p: FloorParams,
  what: string,
  round: (n: number) => Promise<Round>,
): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let r = -1; r < p.rounds; r++) {
    ctx.signal.throwIfAborted();
    ctx.progress(`${what}: ${r < 0 ? 'warm-up' : `round ${r + 1}/${p.rounds}`}`);
    const result = await round(r < 0 ? 0.2 : 1);
    if (r >= 0) rounds.push(result);
  }
  return rounds;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function unaryRound(server: FloorServer, p: FloorParams, scale: number): Promise<Round> {
  const client = new BenchTasksClient(server.address, 'floor-token');
  try {
    const n = Math.max(1, Math.round(p.calls * scale));
    const request = benchTaskRequest({ pool: BENCH_POOL });
    const s0 = await server.cpuMicros();
    const c0 = cpuMicros();
    const t0 = performance.now();
    await inFlight(n, p.inFlight, () => client.newTask(request));
    const seconds = (performance.now() - t0) / 1000;
    const c1 = cpuMicros();
    const s1 = await server.cpuMicros();
    return { perSecond: n / seconds, clientMicros: (c1 - c0) / n, serverMicros: (s1 - s0) / n };
  } finally {
    client.close();
  }
}

/**
 * Latency floors, one operation at a time (as in `latency`): a NewTask round trip, and on one
 * stream the time from a TaskFinished written to the next Assign read (the server's Ack and
 * Assign in between): the least a dispatch can cost in gRPC hops here.
 */
interface OneAtATime {
  readonly call: number[][];
  readonly stream: number[][];
  readonly callAfterIdle: number[][];
  readonly streamAfterIdle: number[][];
}

async function latencyRounds(
  server: FloorServer,
  p: FloorParams,
  signal: AbortSignal,
): Promise<OneAtATime> {
  const client = new BenchTasksClient(server.address, 'floor-token');
  const proto = loadDroverProto().drover.v1;
  const bot = new proto.BotApi(
    server.address,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  );
  const call = bot.Connect(new grpc.Metadata());
  let waiter: ((taskId: string, leaseId: string) => void) | undefined;
  call.on('data', (m: CoordinatorMessageOut) => {
    if (m.assign) waiter?.(m.assign.task_id, m.assign.lease_id);
  });
  call.on('error', () => undefined);
  const nextAssign = () =>
    new Promise<{ taskId: string; leaseId: string }>((resolve) => {
      waiter = (taskId, leaseId) => resolve({ taskId, leaseId });
    });
  try {
    const request = benchTaskRequest({ pool: BENCH_POOL });
    const callRounds = (n: number, idleMs: number) =>
      runRounds({ rounds: p.rounds, signal }, async () => {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          if (idleMs > 0) await sleep(idleMs);
          const t0 = nowNs();
          await client.newTask(request);
          samples.push((nowNs() - t0) / 1e6);
        }
        return samples;
      });
    const calls = await callRounds(p.perRound, 0);
    const callsAfterIdle = await callRounds(p.idlePerRound, p.idleMs);
    let assign = nextAssign();
    call.write({ hello: { bot_id: 'floor-latency', version: 'floor', dimensions: [] } });
    let held = await assign;
    const streamRounds = (n: number, idleMs: number) =>
      runRounds({ rounds: p.rounds, signal }, async () => {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          if (idleMs > 0) await sleep(idleMs);
          assign = nextAssign();
          const t0 = nowNs();
          call.write({
            task_finished: {
              task_id: held.taskId,
              lease_id: held.leaseId,
              exit_code: 0,
              duration: 0,
              output_size: 0,
            },
          });
          held = await assign;
          samples.push((nowNs() - t0) / 1e6);
        }
        return samples;
      });
    const streams = await streamRounds(p.perRound, 0);
    const streamsAfterIdle = await streamRounds(p.idlePerRound, p.idleMs);
    return {
      call: calls,
      stream: streams,
      callAfterIdle: callsAfterIdle,
      streamAfterIdle: streamsAfterIdle,
    };
  } finally {
    call.end();
    call.cancel();
    bot.close();
    client.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `streams` BotApi streams, each answering every Assign with a TaskFinished at once. */
async function streamRound(server: FloorServer, p: FloorParams, scale: number): Promise<Round> {
  const proto = loadDroverProto().drover.v1;
  const perStream = Math.max(1, Math.round((p.tasks * scale) / p.streams));
  const total = perStream * p.streams;
  const clients = Array.from(
    { length: p.streams },
    () =>
      new proto.BotApi(server.address, grpc.credentials.createInsecure(), {
        ...CLIENT_CHANNEL_OPTIONS,
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  try {
    const s0 = await server.cpuMicros();
    const c0 = cpuMicros();
    const t0 = performance.now();
    await Promise.all(
      clients.map(
        (client, i) =>
          new Promise<void>((resolve, reject) => {
            const call = client.Connect(new grpc.Metadata());
            let acked = 0;
            let finished = 0;
            call.on('data', (m: CoordinatorMessageOut) => {
              if (m.assign && finished < perStream) {
                finished++;
                call.write({
                  task_finished: {
                    task_id: m.assign.task_id,
                    lease_id: m.assign.lease_id,
                    exit_code: 0,
                    duration: 0,
                    output_size: 0,
                  },
                });
              } else if (m.ack?.finished === true && ++acked === perStream) {
                call.end();
                resolve();
              }
            });
            call.on('error', (err: Error) => (acked < perStream ? reject(err) : undefined));
            call.write({ hello: { bot_id: `floor-${i}`, version: 'floor', dimensions: [] } });
          }),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    const c1 = cpuMicros();
    const s1 = await server.cpuMicros();
    return {
      perSecond: total / seconds,
      clientMicros: (c1 - c0) / total,
      serverMicros: (s1 - s0) / total,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

/** The real embedded store in a temp dir: each task inserted RUNNING, then COMPLETED. */
async function storeRound(p: FloorParams, scale: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-floor-'));
  const store = openSqliteStore({ path: join(dir, 'drover.db') });
  try {
    const n = Math.max(1, Math.round(p.tasks * scale));
    const c0 = cpuMicros();
    const t0 = performance.now();
    await inFlight(n, p.inFlight, async (i) => {
      const task = runningTask(i);
      await store.insertTask(task);
      await store.updateTask(completed(task), { revision: task.revision });
    });
    const seconds = (performance.now() - t0) / 1000;
    const micros = (cpuMicros() - c0) / n;
    return { perSecond: n / seconds, clientMicros: micros, serverMicros: micros };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const SPEC: TaskSpec = {
  name: 'bench',
  priority: 100,
  tags: [],
  user: 'bench',
  authenticated: 'bench',
  requestUuid: '',
  parentTaskId: '',
  slices: [
    {
      properties: {
        command: ['true'],
        env: [],
        envPrefixes: [],
        relativeCwd: '',
        dimensions: [{ key: 'pool', value: BENCH_POOL }],
        executionTimeoutSecs: 3600,
        ioTimeoutSecs: 1200,
        gracePeriodSecs: 30,
        idempotent: false,
      },
      expirationSecs: 3600,
      waitForCapacity: true,
      propertiesHash: '0'.repeat(64),
    },
  ],
};

const EPOCH_MS = Date.now();

/** The task as its bot's TaskFinished (exit 0) leaves it. */
function completed(task: Task): Task {
  const outcome = transition(
    task,
    {
      type: 'finish',
      leaseId: task.leaseId ?? '',
      exitCode: 0,
      durationSecs: 0,
      timedOut: 'none',
      killed: false,
      canceled: false,
      clientError: '',
    },
    task.createdAtMs + 1,
  );
  if ('refused' in outcome) throw new Error(`floor task ${task.id}: finish refused`);
  return outcome.task;
}

/** Task i as the engine stores it when a bot takes it at creation: created, then dispatched. */
function runningTask(i: number): Task {
  const nowMs = EPOCH_MS + i;
  const { task } = createTask({
    id: `floor-${String(i).padStart(10, '0')}`,
    spec: SPEC,
    nowMs,
    capacity: [true],
  });
  const outcome = transition(
    task,
    {
      type: 'dispatch',
      botId: `bot-${i % 100}`,
      botDimensions: [{ key: 'pool', values: [BENCH_POOL] }],
      leaseId: `lease-${i}`,
    },
    nowMs,
  );
  if ('refused' in outcome)
    throw new Error(`floor task ${i}: dispatch refused (${outcome.refused})`);
  return outcome.task;
}

/** bin/bench-floor-server.js: the do-nothing gRPC server in a child process. */
class FloorServer {
  readonly #child: ChildProcess;
  readonly address: string;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.address = `127.0.0.1:${port}`;
  }

  static async start(root: string): Promise<FloorServer> {
    const child = trackChild(
      fork(join(root, 'tools', 'bench', 'bin', 'bench-floor-server.js'), [], {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('floor server: not ready in 30 s')), 30_000);
      child.once('message', (m: { port: number }) => {
        clearTimeout(timer);
        resolve(m.port);
      });
      child.once('exit', (code) => reject(new Error(`floor server exited (${code})`)));
    });
    return new FloorServer(child, port);
  }

  cpuMicros(): Promise<number> {
    return new Promise((resolve) => {
      const onMessage = (m: { type: string; micros: number }) => {
        if (m.type !== 'cpu') return;
        this.#child.off('message', onMessage);
        resolve(m.micros);
      };
      this.#child.on('message', onMessage);
      this.#child.send('cpu');
    });
  }

  async stop(): Promise<void> {
    if (this.#child.connected) this.#child.send('stop');
    await stopChild(this.#child);
  }
}
