// Webhooks only where an admin allows, with real coordinators and a receiver on
// 127.0.0.1: notify refused at submit without an allow-list or outside it, IP-literal loopback
// forms refused at submit, `localhost` refused at delivery (before any connection) unless
// webhook-allow-addresses lists 127.0.0.1, credentials kept out of GetRequest and the log, and a
// notification queued before a restart delivered once after it. Nothing here connects to any
// address but 127.0.0.1.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { NewTaskResponseOut, TaskRequest, TasksClient } from '@drover/protocol';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  compileCoordinatorConfig,
  startCoordinator,
  type CoordinatorOptions,
  type RunningCoordinator,
} from '../../src/index';
import type { DeliveryOutcome } from '../../src/notify/webhook-notifier';
import { bearer, call, readToken, tasksStub, tempDir, waitForEvent } from '../harness';
import { taskRequest } from './links-harness';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** Records every POST and every connection; answers 500 to a first attempt at a `/fail` path. */
class Receiver extends EventEmitter<{ received: [Received] }> {
  readonly received: Received[] = [];
  connections = 0;
  server: Server = this.#newServer();
  port = 0;

  #newServer(): Server {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const record = {
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        };
        this.received.push(record);
        const fail =
          req.url?.startsWith('/fail') === true && req.headers['x-drover-attempt'] === '1';
        res.writeHead(fail ? 500 : 204).end();
        this.emit('received', record);
      });
    });
    server.on('connection', () => this.connections++);
    return server;
  }

  /** Listens on 127.0.0.1 (the same port as before, after a stop). */
  async start(): Promise<void> {
    this.server = this.#newServer();
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  of(taskId: string): Received[] {
    return this.received.filter((r) => r.body['task_id'] === taskId);
  }
}

/** A coordinator with its log captured (one JSON object per line), no bot. */
interface World {
  readonly coord: RunningCoordinator;
  readonly stub: TasksClient;
  readonly token: string;
  readonly logs: string[];
  close(): Promise<void>;
}

async function startWorld(dataDir: string, options: CoordinatorOptions): Promise<World> {
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const config = compileCoordinatorConfig({
    listen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir,
    webhookBackoffSecs: 0.02,
    webhookBackoffMaxSecs: 0.1,
    ...options,
  });
  const coord = await startCoordinator(config, { log });
  const stub = tasksStub(coord.grpcAddress);
  return {
    coord,
    stub,
    token: readToken(dataDir, 'client'),
    logs,
    async close() {
      stub.close();
      await coord.close();
    },
  };
}

/** A task that waits in PENDING (no bot has pool `nowhere`): its creation is notified. */
function pendingWithNotify(url: string): ReturnType<typeof taskRequest> {
  return taskRequest(['true'], { pool: 'nowhere', notify: { url, userdata: 'u' } });
}

function submit(world: World, request: ReturnType<typeof taskRequest>) {
  return call<NewTaskResponseOut>(
    (md, cb) => world.stub.NewTask(request, md, cb),
    bearer(world.token),
  );
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

async function countTasks(world: World): Promise<number> {
  const res = await call<{ count: number }>(
    (md, cb) => world.stub.CountTasks({ state: 'QUERY_ALL' }, md, cb),
    bearer(world.token),
  );
  return res.count;
}

function done(world: World, taskId: string, state: string): Promise<DeliveryOutcome> {
  return waitForEvent<DeliveryOutcome>(
    world.coord.listeners.webhooks.events,
    'done',
    (d) => d.taskId === taskId && d.state === state,
  );
}

/** Log lines (parsed) with this message. */
function logged(world: World, msg: string): Record<string, unknown>[] {
  return world.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['msg'] === msg);
}

const receiver = new Receiver();
const dirs: ReturnType<typeof tempDir>[] = [];
const worlds: World[] = [];

async function world(options: CoordinatorOptions): Promise<World> {
  const dir = tempDir('drover-webhook-policy-');
  dirs.push(dir);
  const w = await startWorld(dir.path, options);
  worlds.push(w);
  return w;
}

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  for (const w of worlds) await w.close();
  for (const d of dirs) d.remove();
  await receiver.stop();
});

describe('webhooks at submit', () => {
  it('refuses notify when no allow-list is configured, saying how an admin enables it', async () => {
    const w = await world({});
    const before = await countTasks(w);
    const err = await refusal(submit(w, pendingWithNotify(`http://127.0.0.1:${receiver.port}/h`)));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe(
      'notify.url: webhooks are not enabled on this coordinator: an admin enables webhooks by listing the allowed receiver URLs in the coordinator config (webhook-allow)',
    );
    expect(await countTasks(w)).toBe(before);
    // A task without notify is not affected.
    await submit(w, taskRequest(['true'], { pool: 'nowhere' }));
  });

  it('refuses a URL outside the allow-list, naming notify.url, and stores nothing', async () => {
    const w = await world({ webhookAllow: ['http://localhost:*/*'] });
    const before = await countTasks(w);
    const err = await refusal(
      submit(w, pendingWithNotify(`http://bob:pw@127.0.0.1:${receiver.port}/h`)),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe(
      `notify.url: http://***@127.0.0.1:${receiver.port}/h is not in the coordinator's webhook allow-list (webhook-allow): ask an admin to add it`,
    );
    expect(await countTasks(w)).toBe(before);
  });

  it('refuses hex, decimal, octal and IPv4-mapped loopback hosts even when the list matches them', async () => {
    const w = await world({ webhookAllow: ['http://*/*'] });
    const before = await countTasks(w);
    for (const url of [
      'http://0x7f000001/h',
      'http://2130706433/h',
      'http://0177.0.0.1/h',
      'http://[::ffff:127.0.0.1]/h',
      'http://[::1]/h',
      'http://127.0.0.1/h',
    ]) {
      const err = await refusal(submit(w, pendingWithNotify(url)));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/^notify\.url: \S+ is loopback/);
      expect(err.details).toContain('webhook-allow-addresses');
    }
    expect(await countTasks(w)).toBe(before);
    expect(receiver.connections).toBe(0);
  });
});

describe('webhooks at delivery', () => {
  afterEach(() => {
    receiver.received.length = 0;
  });

  it('refuses a listed host that resolves to loopback before connecting, with the reason logged', async () => {
    const w = await world({ webhookAllow: ['http://localhost:*/*'] });
    const connectionsBefore = receiver.connections;
    const created = await submit(w, pendingWithNotify(`http://localhost:${receiver.port}/hook`));
    const outcome = await done(w, created.task_id, 'PENDING');
    expect(outcome).toMatchObject({ delivered: false, attempts: 1 });
    expect(outcome.error).toMatch(
      /^refused: localhost resolves only to refused addresses: .*127\.0\.0\.1 \(loopback\)/,
    );
    expect(receiver.connections).toBe(connectionsBefore);
    expect(receiver.of(created.task_id)).toEqual([]);
    const [line] = logged(w, 'webhook notification given up');
    expect(line).toMatchObject({
      taskId: created.task_id,
      state: 'PENDING',
      error: outcome.error,
      url: `http://localhost:${receiver.port}/hook`,
    });
    expect(await w.coord.store.getWebhook(created.task_id, 'PENDING')).toMatchObject({
      status: 'given-up',
    });
  });

  it('delivers to it once webhook-allow-addresses lists 127.0.0.1', async () => {
    const w = await world({
      webhookAllow: ['http://localhost:*/*'],
      webhookAllowAddresses: ['127.0.0.1'],
    });
    const created = await submit(w, pendingWithNotify(`http://localhost:${receiver.port}/hook`));
    expect(await done(w, created.task_id, 'PENDING')).toMatchObject({
      delivered: true,
      attempts: 1,
    });
    const [got] = receiver.of(created.task_id);
    expect(got?.headers['host']).toBe(`localhost:${receiver.port}`);
    expect(got?.body['state']).toBe('PENDING');
  });

  it('sends URL credentials as Basic auth, shows them as *** and never logs them', async () => {
    const w = await world({
      webhookAllow: ['http://localhost:*/*'],
      webhookAllowAddresses: ['127.0.0.1', '::1'],
      logLevel: 'debug',
    });
    const url = `http://alice:s3cr%40t@localhost:${receiver.port}/fail?k=1`;
    const created = await submit(w, pendingWithNotify(url));
    expect(created.request?.notify?.url).toBe(`http://***@localhost:${receiver.port}/fail?k=1`);
    expect(await done(w, created.task_id, 'PENDING')).toMatchObject({
      delivered: true,
      attempts: 2,
    });
    const got = receiver.of(created.task_id);
    expect(got.map((r) => r.headers['authorization'])).toEqual([
      `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`,
      `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`,
    ]);
    const shown = await call<TaskRequest>(
      (md, cb) => w.stub.GetRequest({ task_id: created.task_id }, md, cb),
      bearer(w.token),
    );
    expect(shown.notify?.url).toBe(`http://***@localhost:${receiver.port}/fail?k=1`);
    expect(logged(w, 'webhook attempt failed')).toHaveLength(1);
    expect(w.logs.join('')).not.toMatch(/s3cr|alice/);
  });
});

describe('webhooks across a restart', () => {
  it('delivers a notification queued before a restart after it, once', async () => {
    const dir = tempDir('drover-webhook-restart-');
    dirs.push(dir);
    const options: CoordinatorOptions = {
      webhookAllow: ['http://127.0.0.1:*/*'],
      webhookAllowAddresses: ['127.0.0.1'],
      webhookAttempts: 100,
    };
    // The receiver is down while the first coordinator tries.
    await receiver.stop();
    const first = await startWorld(dir.path, options);
    let taskId: string;
    try {
      const created = await submit(first, pendingWithNotify(`http://127.0.0.1:${receiver.port}/h`));
      taskId = created.task_id;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const row = await first.coord.store.getWebhook(taskId, 'PENDING');
        if (row !== undefined && row.attempts >= 2 && row.lastError.includes('ECONNREFUSED')) break;
        if (Date.now() > deadline) throw new Error(`no failed attempts: ${JSON.stringify(row)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await first.close();
    }
    expect(receiver.received).toEqual([]);

    await receiver.start();
    const arrived = waitForEvent<Received>(
      receiver,
      'received',
      (r) => r.body['task_id'] === taskId,
      15_000,
    );
    const second = await startWorld(dir.path, options);
    worlds.push(second);
    const got = await arrived;
    expect(got.headers['x-drover-delivery']).toBe(`${taskId}:PENDING`);
    // Settled as delivered: no coordinator sends it again.
    const deadline = Date.now() + 5_000;
    while ((await second.coord.store.getWebhook(taskId, 'PENDING'))?.status !== 'delivered') {
      if (Date.now() > deadline) throw new Error('not settled as delivered');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(receiver.of(taskId)).toHaveLength(1);
    expect(second.coord.listeners.webhooks.inFlight).toBe(0);
  });
});
