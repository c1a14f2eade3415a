// Task webhooks: a receiver on 127.0.0.1 (allowed by webhook-allow and, being
// loopback, by webhook-allow-addresses) gets every state change of a task once, in order, signed
// with its origin's key; failed attempts are retried with backoff (made short here by
// configuration), and given up after webhook-attempts.
import { status } from '@grpc/grpc-js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../../src/notify/webhook-notifier';
import { bearer, call, waitForEvent } from '../harness';
import {
  TOKENS,
  failure,
  newTask,
  startLinksWorld,
  taskRequest,
  type LinksWorld,
} from './links-harness';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly body: Record<string, unknown>;
  /** The status the receiver answered. */
  readonly answered: number;
}

/**
 * A webhook receiver: records every POST (and emits it as 'received'); `failFirst(taskId, n)`
 * answers 500 to the task's next n.
 */
class Receiver extends EventEmitter<{ received: [Received] }> {
  readonly received: Received[] = [];
  readonly #failures = new Map<string, number>();
  readonly server: Server;

  constructor() {
    super();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(raw) as Record<string, unknown>;
        const taskId = String(body['task_id']);
        const left = this.#failures.get(taskId) ?? 0;
        const answered = left > 0 ? 500 : 204;
        if (left > 0) this.#failures.set(taskId, left - 1);
        const record = { headers: req.headers, raw, body, answered };
        this.received.push(record);
        res.writeHead(answered).end();
        this.emit('received', record);
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook?k=1`;
  }

  failFirst(taskId: string, n: number): void {
    this.#failures.set(taskId, n);
  }

  of(taskId: string): Received[] {
    return this.received.filter((r) => r.body['task_id'] === taskId);
  }

  /** Resolves once the task's notification of `state` was answered 2xx (maybe already). */
  async accepted(taskId: string, state: string): Promise<void> {
    const match = (r: Received) =>
      r.body['task_id'] === taskId && r.body['state'] === state && r.answered < 300;
    const later = waitForEvent<Received>(this, 'received', match);
    if (this.received.some(match)) {
      later.catch(() => {});
      return;
    }
    await later;
  }
}

let world: LinksWorld;
let receiver: Receiver;
let url: string;
let secret: string;

beforeAll(async () => {
  receiver = new Receiver();
  url = await receiver.listen();
  world = await startLinksWorld({
    webhookBackoffSecs: 0.01,
    webhookBackoffMaxSecs: 0.04,
    webhookAttempts: 4,
    webhookAllow: ['http://127.0.0.1:*/hook*'],
    webhookAllowAddresses: ['127.0.0.1'],
  });
  secret = readFileSync(join(world.dir.path, 'webhook.secret'), 'utf8').trim();
});
afterAll(async () => {
  await world.close();
  receiver.server.close();
});

/** Resolves once the notifier is done with the task's notification of `state`. */
function done(taskId: string, state: string): Promise<DeliveryOutcome> {
  return waitForEvent<DeliveryOutcome>(
    world.coord.listeners.webhooks.events,
    'done',
    (d) => d.taskId === taskId && d.state === state,
  );
}

/** The receiver's key as docs/task-links.md says to derive it: per origin, from the secret. */
function receiverKey(): string {
  return createHmac('sha256', secret)
    .update(`drover-webhook-target:${new URL(url).origin}`)
    .digest('hex');
}

function verifies(r: Received): boolean {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', receiverKey()).update(r.raw).digest('hex')}`,
  );
  const got = Buffer.from(String(r.headers['x-drover-signature']));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe('task webhooks', () => {
  it('made a secret file of mode 0600 in the data dir at first start', () => {
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(world.dir.path, 'webhook.secret')).mode & 0o777).toBe(0o600);
  });

  it('POSTs every state change of a task once, in order, signed', async () => {
    const created = await newTask(
      world,
      taskRequest(['sh', '-c', 'exit 3'], { notify: { url, userdata: 'build-7' } }),
    );
    const id = created.task_id;
    await receiver.accepted(id, 'COMPLETED');

    const got = receiver.of(id);
    expect(got.map((r) => r.body['state'])).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    // A TaskNotification in canonical JSON (docs/json.md): an unset optional field is absent.
    expect(got.map((r) => r.body['previous_state'])).toEqual([undefined, 'PENDING', 'RUNNING']);
    expect(got[0]!.body).not.toHaveProperty('previous_state');
    expect(got.every((r) => r.answered === 204 && verifies(r))).toBe(true);
    expect(got.map((r) => r.headers['x-drover-delivery'])).toEqual([
      `${id}:PENDING`,
      `${id}:RUNNING`,
      `${id}:COMPLETED`,
    ]);
    expect(got[2]!.body).toMatchObject({
      task_id: id,
      userdata: 'build-7',
      exit_code: '3',
      bot_id: 'links-bot',
    });
    expect(got[0]!.body).not.toHaveProperty('exit_code');
    expect(got[0]!.body['bot_id']).toBe('');
    expect(got[2]!.body['ts']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Date.parse(String(got[2]!.body['ts']))).toBeGreaterThan(0);
    expect(got[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries until the receiver takes it, with the same body and delivery id', async () => {
    const parent = await newTask(world, taskRequest(['true'], { pool: 'nowhere' }));
    const created = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', notify: { url, userdata: 'u' } }),
    );
    const id = created.task_id;
    await receiver.accepted(id, 'PENDING');
    receiver.failFirst(id, 2);
    const canceled = done(id, 'CANCELED');
    await call((md, cb) => world.stub.CancelTask({ task_id: id }, md, cb), bearer(TOKENS.admin));
    const outcome = await canceled;
    expect(outcome).toMatchObject({ delivered: true, attempts: 3 });
    const got = receiver.of(id);
    expect(got.map((r) => [r.body['state'], r.headers['x-drover-attempt'], r.answered])).toEqual([
      ['PENDING', '1', 204],
      ['CANCELED', '1', 500],
      ['CANCELED', '2', 500],
      ['CANCELED', '3', 204],
    ]);
    expect(new Set(got.slice(1).map((r) => r.raw)).size).toBe(1);
    expect(got.every(verifies)).toBe(true);
    await call(
      (md, cb) => world.stub.CancelTask({ task_id: parent.task_id }, md, cb),
      bearer(TOKENS.admin),
    );
  });

  it('gives a notification up after webhook-attempts, logged, and keeps nothing for the task', async () => {
    const created = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', notify: { url, userdata: '' } }),
    );
    const id = created.task_id;
    await receiver.accepted(id, 'PENDING');
    receiver.failFirst(id, 100);
    const canceled = done(id, 'CANCELED');
    await call((md, cb) => world.stub.CancelTask({ task_id: id }, md, cb), bearer(TOKENS.admin));
    expect(await canceled).toMatchObject({ delivered: false, attempts: 4 });
    expect(receiver.of(id).map((r) => r.headers['x-drover-attempt'])).toEqual([
      '1',
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(world.coord.listeners.webhooks.inFlight).toBe(0);
    expect(await world.coord.store.getWebhook(id, 'CANCELED')).toMatchObject({
      status: 'given-up',
      attempts: 4,
      lastError: 'HTTP 500',
    });
  });

  it('refuses a notify.url that is not http(s), naming the field, and stores nothing', async () => {
    const count = () =>
      call<{ count: number }>(
        (md, cb) => world.stub.CountTasks({ state: 'QUERY_ALL' }, md, cb),
        bearer(TOKENS.admin),
      );
    const before = (await count()).count;
    for (const [notify, message] of [
      [
        { url: 'ftp://127.0.0.1/x', userdata: '' },
        'notify.url: must be an http:// or https:// URL',
      ],
      [{ url: 'not a url', userdata: '' }, 'notify.url: not a valid URL'],
      [{ url: '', userdata: 'u' }, 'notify.url: required when notify is given'],
    ] as const) {
      const err = await failure(newTask(world, taskRequest(['true'], { notify })));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toContain(message);
    }
    expect((await count()).count).toBe(before);
  });
});
