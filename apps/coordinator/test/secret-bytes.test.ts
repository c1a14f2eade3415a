// Secret bytes (issue 26) over real gRPC, on SQLite and on PostgreSQL: the bytes reach the bot
// that runs the task in its Assign, and nothing else — not GetRequest, ListTasks, the dashboard's
// API, a webhook body, the coordinator's log (at trace), nor the database (its file and -wal, or
// PostgreSQL's rows) — shows them; the key file is 0600 and a readable or malformed one refuses
// the start; over 20 KiB is refused naming the field; tasks with secret bytes are never
// deduplicated (as source or as new task), while request_uuid still returns the same task.
import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  CoordinatorMessageOut,
  NewTaskResponseOut,
  NewTasksResponseOut,
  TaskRequestOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import { dropPgSchema, pgReachable } from '@drover/state';
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  compileCoordinatorConfig,
  startCoordinator,
  type CoordinatorOptions,
  type RunningCoordinator,
} from '../src/index';
import { apiFetch } from './dashboard/dashboard-client';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  stopProcess,
  tasksStub,
  tempDir,
} from './harness';
import { ScriptedBot } from './scripted-bot';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_REACHABLE = await pgReachable(PG_URL);
if (!PG_REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: skipped');

/** A webhook receiver on 127.0.0.1 keeping every body it is sent. */
class Receiver {
  readonly bodies: string[] = [];
  readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
}

/** A coordinator whose every log line (trace and up) is kept in `logs`. */
interface World {
  readonly dir: ReturnType<typeof tempDir>;
  readonly coord: RunningCoordinator;
  readonly stub: TasksClient;
  readonly token: string;
  readonly logs: string[];
  readonly hookUrl: string;
  readonly receiver: Receiver;
  readonly bots: ScriptedBot[];
}

const worlds: World[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    for (const b of w.bots) b.crash();
    w.stub.close();
    await w.coord.close();
    w.receiver.server.close();
    w.dir.remove();
  }
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function startWorld(options: CoordinatorOptions = {}, dir = tempDir()): Promise<World> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const receiver = new Receiver();
  const hookUrl = await receiver.listen();
  const config = compileCoordinatorConfig({
    listen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir: dir.path,
    webhookAllow: ['http://127.0.0.1:*/hook'],
    webhookAllowAddresses: ['127.0.0.1'],
    webhookBackoffSecs: 0.01,
    ...options,
  });
  const coord = await startCoordinator(config, { log: pino({ level: 'trace' }, sink) });
  const world: World = {
    dir,
    coord,
    stub: tasksStub(coord.grpcAddress),
    token: readToken(dir.path, 'client'),
    logs,
    hookUrl,
    receiver,
    bots: [],
  };
  worlds.push(world);
  return world;
}

async function connectBot(
  w: World,
  botId: string,
  dimensions = [
    { key: 'pool', value: ['default'] },
    { key: 'os', value: ['Linux'] },
  ],
): Promise<ScriptedBot> {
  const b = new ScriptedBot(w.coord.grpcAddress, readToken(w.dir.path, 'bot'));
  w.bots.push(b);
  b.hello(botId, [], dimensions);
  await b.next((m) => m.msg === 'welcome');
  return b;
}

/** A distinctive marker no other byte sequence of a test run holds. */
function newSecret(): { secret: Buffer; marker: string } {
  const marker = `drover-secret-marker-${randomBytes(16).toString('hex')}`;
  // Text a reader would grep for, then binary bytes.
  return { marker, secret: Buffer.concat([Buffer.from(marker), randomBytes(64)]) };
}

/**
 * Every encoding of the marker a leak could take: as is, hex, base64 (JSON of bytes) at each of
 * the three alignments it could start at inside a longer value, and a JSON array of its bytes.
 */
function encodings(marker: string): string[] {
  const b = Buffer.from(marker);
  const b64 = [0, 1, 2].map((pad) =>
    Buffer.concat([Buffer.alloc(pad), b])
      .toString('base64')
      .slice(pad === 0 ? 0 : 4, -4),
  );
  return [marker, b.toString('hex'), ...b64, Array.from(b.subarray(0, 24)).join(',')];
}

function expectNoLeak(where: string, text: string, marker: string): void {
  for (const enc of encodings(marker)) {
    expect(text.includes(enc), `${where} holds the secret (${enc.slice(0, 12)}…)`).toBe(false);
  }
}

function request(
  secret: Buffer | undefined,
  over: { requestUuid?: string; notify?: string; os?: string; idempotent?: boolean } = {},
) {
  return {
    name: 'with a secret',
    request_uuid: over.requestUuid ?? '',
    ...(secret === undefined ? {} : { secret_bytes: secret }),
    ...(over.notify === undefined ? {} : { notify: { url: over.notify, userdata: 'u' } }),
    task_slices: [
      {
        properties: {
          command: ['sh', '-c', 'cat "$DROVER_SECRET_BYTES_PATH" >/dev/null'],
          dimensions: [
            { key: 'pool', value: 'default' },
            { key: 'os', value: over.os ?? 'Linux' },
          ],
          idempotent: over.idempotent ?? true,
        },
        wait_for_capacity: true,
      },
    ],
  };
}

async function submit(w: World, req: ReturnType<typeof request>): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => w.stub.NewTask(req, md, cb), bearer(w.token));
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected a refusal');
}

/** The bot's next Assign; checked to be for `taskId`. */
async function nextAssign(b: ScriptedBot, taskId: string) {
  const m: CoordinatorMessageOut = await b.next((x) => x.msg === 'assign');
  expect(m.assign!.task_id).toBe(taskId);
  return m.assign!;
}

async function finish(w: World, b: ScriptedBot, taskId: string, leaseId: string): Promise<void> {
  b.send({ task_finished: { task_id: taskId, lease_id: leaseId, exit_code: 0 } });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await call<TaskResultOut>(
      (md, cb) => w.stub.GetResult({ task_id: taskId }, md, cb),
      bearer(w.token),
    );
    if (r.state === 'COMPLETED') return;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${r.state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitFor(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The scenario both stores run: a task with secret bytes reaches the bot with them, and every
 * way of reading the task shows only has_secret_bytes; not deduplicated either way.
 */
async function runScenario(w: World, marker: string, secret: Buffer): Promise<string[]> {
  const bot = await connectBot(w, 'secret-bot');
  const first = await submit(w, request(secret, { notify: w.hookUrl }));
  expect(first.request!.has_secret_bytes).toBe(true);
  const assign = await nextAssign(bot, first.task_id);
  expect(Buffer.from(assign.manifest!.secret_bytes).equals(secret)).toBe(true);
  await finish(w, bot, first.task_id, assign.lease_id);

  // The same request without secret bytes: the first task is no dedup source.
  const plain = await submit(w, request(undefined));
  expect(plain.result!.deduped_from).toBe('');
  const plainAssign = await nextAssign(bot, plain.task_id);
  expect(plainAssign.manifest!.secret_bytes.length).toBe(0);
  await finish(w, bot, plain.task_id, plainAssign.lease_id);
  // The same again: the plain one is a source (dedup works)…
  const deduped = await submit(w, request(undefined));
  expect(deduped.result!.deduped_from).toBe(plain.task_id);
  // …but a task with secret bytes is never deduplicated, even with a source at hand.
  const second = await submit(w, request(secret));
  expect(second.result!.state).not.toBe('COMPLETED');
  expect(second.result!.deduped_from).toBe('');
  const secondAssign = await nextAssign(bot, second.task_id);
  expect(Buffer.from(secondAssign.manifest!.secret_bytes).equals(secret)).toBe(true);
  await finish(w, bot, second.task_id, secondAssign.lease_id);

  // request_uuid still returns the task it made (its secret kept, nothing new stored).
  const uuid = { requestUuid: `uuid-${randomBytes(4).toString('hex')}`, os: 'Elsewhere' };
  const once1 = await submit(w, request(secret, uuid));
  const once2 = await submit(w, request(secret, uuid));
  expect(once2.task_id).toBe(once1.task_id);

  // Every way of reading a task: only has_secret_bytes.
  const got = await call<TaskRequestOut>(
    (md, cb) => w.stub.GetRequest({ task_id: first.task_id }, md, cb),
    bearer(w.token),
  );
  expect(got.has_secret_bytes).toBe(true);
  expect(Object.keys(got)).not.toContain('secret_bytes');
  expectNoLeak('GetRequest', JSON.stringify(got), marker);
  const plainGot = await call<TaskRequestOut>(
    (md, cb) => w.stub.GetRequest({ task_id: plain.task_id }, md, cb),
    bearer(w.token),
  );
  expect(plainGot.has_secret_bytes).toBe(false);
  expectNoLeak('NewTask', JSON.stringify([first, second, once1, once2]), marker);
  const listed = await call<{ items: TaskResultOut[] }>(
    (md, cb) => w.stub.ListTasks({ state: 'QUERY_ALL', limit: 100 }, md, cb),
    bearer(w.token),
  );
  expect(listed.items.map((t) => t.task_id)).toContain(first.task_id);
  expectNoLeak('ListTasks', JSON.stringify(listed), marker);
  const api = await apiFetch(w.coord, `/api/tasks/${first.task_id}/request`, w.token);
  expect(api.status).toBe(200);
  expect(JSON.stringify(api.body)).toMatch(/"has_?[sS]ecret_?[bB]ytes":true/);
  expectNoLeak('the dashboard', JSON.stringify(api.body), marker);
  const apiList = await apiFetch(w.coord, '/api/tasks', w.token);
  expectNoLeak('the dashboard list', JSON.stringify(apiList.body), marker);
  await waitFor(
    () => w.receiver.bodies.some((b) => b.includes('"COMPLETED"')),
    'the COMPLETED webhook',
  );
  expect(w.receiver.bodies.length).toBeGreaterThan(0);
  expectNoLeak('a webhook body', w.receiver.bodies.join('\n'), marker);
  return [first.task_id, second.task_id, once1.task_id];
}

describe('secret bytes on SQLite', () => {
  it('reach only the Assign of the bot that runs the task; nothing else shows them', async () => {
    const { marker, secret } = newSecret();
    const w = await startWorld();
    const keyFile = join(w.dir.path, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(keyFile).size).toBe(32);

    const withSecrets = await runScenario(w, marker, secret);
    expect(w.logs.length).toBeGreaterThan(10);
    expectNoLeak('the log', w.logs.join(''), marker);

    // The database: sealed rows, one per task with secret bytes, none holding the marker.
    const dbPath = join(w.dir.path, 'drover.sqlite');
    const db = new Database(dbPath, { readonly: true });
    const rows = db.prepare('SELECT task_id, ciphertext FROM task_secrets').all() as Array<{
      task_id: string;
      ciphertext: Buffer;
    }>;
    db.close();
    expect(rows.map((r) => r.task_id).sort()).toEqual([...withSecrets].sort());
    for (const r of rows) {
      expect(r.ciphertext[0]).toBe(1);
      expect(r.ciphertext.length).toBe(1 + 12 + 16 + secret.length);
    }
    for (const file of [dbPath, `${dbPath}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue; // checkpointed and removed
      }
      expectNoLeak(file, bytes.toString('latin1'), marker);
    }
    // Also once everything is checkpointed into the main file.
    await w.coord.close();
    expectNoLeak(dbPath, readFileSync(dbPath).toString('latin1'), marker);
    // The rows go with their task (retention deletes task rows): the foreign key cascades.
    const rw = new Database(dbPath);
    rw.pragma('foreign_keys = ON');
    rw.prepare('DELETE FROM tasks WHERE id = ?').run(withSecrets[0]);
    const left = rw.prepare('SELECT task_id FROM task_secrets').all() as Array<{ task_id: string }>;
    rw.close();
    expect(left.map((r) => r.task_id)).not.toContain(withSecrets[0]);
    expect(left).toHaveLength(withSecrets.length - 1);
  });

  it('refuses more than 20480 bytes naming the field, in NewTask and in NewTasks', async () => {
    const w = await startWorld();
    const at = await submit(w, request(randomBytes(20_480), { os: 'Elsewhere' }));
    expect(at.request!.has_secret_bytes).toBe(true);
    const over = await refusal(submit(w, request(randomBytes(20_481))));
    expect(over.code).toBe(status.INVALID_ARGUMENT);
    expect(over.details).toContain('secret_bytes');
    const batch = await refusal(
      call<NewTasksResponseOut>(
        (md, cb) =>
          w.stub.NewTasks(
            { requests: [request(Buffer.from('ok')), request(randomBytes(20_481))] },
            md,
            cb,
          ),
        bearer(w.token),
      ),
    );
    expect(batch.code).toBe(status.INVALID_ARGUMENT);
    expect(batch.details).toContain('requests[1].secret_bytes');
  });

  it('NewTasks seals each request with its own secret; a restart opens them with the kept key', async () => {
    const dir = tempDir();
    let w = await startWorld({}, dir);
    const a = newSecret();
    const b = newSecret();
    const res = await call<NewTasksResponseOut>(
      (md, cb) =>
        w.stub.NewTasks(
          {
            requests: [
              request(a.secret, { os: 'Later' }),
              request(undefined, { os: 'Later', idempotent: false }),
              request(b.secret, { os: 'Later' }),
            ],
          },
          md,
          cb,
        ),
      bearer(w.token),
    );
    const ids = res.responses.map((r) => r.task_id);
    expect(res.responses.map((r) => r.request!.has_secret_bytes)).toEqual([true, false, true]);
    // Restarted on the same data dir: the key file is read back, not made anew.
    const key = readFileSync(join(dir.path, 'secret.key'));
    for (const bot of w.bots) bot.crash();
    w.stub.close();
    await w.coord.close();
    worlds.splice(worlds.indexOf(w), 1);
    w.receiver.server.close();
    w = await startWorld({}, dir);
    expect(readFileSync(join(dir.path, 'secret.key')).equals(key)).toBe(true);
    const bot = await connectBot(w, 'later-bot', [
      { key: 'pool', value: ['default'] },
      { key: 'os', value: ['Later'] },
    ]);
    const got: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await bot.next((x) => x.msg === 'assign');
      const assign = m.assign!;
      got[ids.indexOf(assign.task_id)] = Buffer.from(assign.manifest!.secret_bytes);
      bot.send({
        task_finished: { task_id: assign.task_id, lease_id: assign.lease_id, exit_code: 0 },
      });
    }
    expect(got[0]!.equals(a.secret)).toBe(true);
    expect(got[1]!.length).toBe(0);
    expect(got[2]!.equals(b.secret)).toBe(true);
    expectNoLeak('the log', w.logs.join(''), a.marker);
  });

  it('ends the task CLIENT_ERROR instead of running it when its secret does not open', async () => {
    const dir = tempDir();
    let w = await startWorld({}, dir);
    const { secret } = newSecret();
    const t = await submit(w, request(secret, { os: 'Later' }));
    w.stub.close();
    await w.coord.close();
    worlds.splice(worlds.indexOf(w), 1);
    w.receiver.server.close();
    // Another key (a replica with its own key file): the sealed bytes do not open.
    const otherKey = join(dir.path, 'other.key');
    writeFileSync(otherKey, randomBytes(32), { mode: 0o600 });
    w = await startWorld({ secretKeyFile: otherKey }, dir);
    const bot = await connectBot(w, 'later-bot', [
      { key: 'pool', value: ['default'] },
      { key: 'os', value: ['Later'] },
    ]);
    const deadline = Date.now() + 10_000;
    let r: TaskResultOut;
    do {
      r = await call<TaskResultOut>(
        (md, cb) => w.stub.GetResult({ task_id: t.task_id }, md, cb),
        bearer(w.token),
      );
      if (Date.now() > deadline) throw new Error(`still ${r.state}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (r.state === 'PENDING' || r.state === 'RUNNING');
    expect(r.state).toBe('CLIENT_ERROR');
    expect(r.summary).toMatch(/secret/);
    // The bot was never given the task, and is free for the next one.
    const next = await submit(w, request(undefined, { os: 'Later', idempotent: false }));
    const m = await bot.next((x) => x.msg === 'assign');
    expect(m.assign!.task_id).toBe(next.task_id);
  });
});

describe('secret bytes on a real bot', () => {
  it('the payload reads them from $DROVER_SECRET_BYTES_PATH, a 0600 file', async () => {
    const { marker, secret } = newSecret();
    const w = await startWorld();
    const bot = await startBotProcess(w.coord, w.dir.path, 'real-secret-bot', [
      '--pool',
      'default',
    ]);
    cleanups.push(() => stopProcess(bot));
    const req = request(secret, { idempotent: false });
    // The payload prints a digest and the mode of the file, never the bytes themselves.
    req.task_slices[0]!.properties.command = [
      'sh',
      '-c',
      'sha256sum "$DROVER_SECRET_BYTES_PATH" | cut -c1-64; stat -c %a "$DROVER_SECRET_BYTES_PATH"',
    ];
    const t = await submit(w, req);
    const deadline = Date.now() + 30_000;
    let r: TaskResultOut;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await call<TaskResultOut>(
        (md, cb) => w.stub.GetResult({ task_id: t.task_id }, md, cb),
        bearer(w.token),
      );
      if (Date.now() > deadline) throw new Error(`still ${r.state}`);
    } while (r.state === 'PENDING' || r.state === 'RUNNING');
    expect(r.state).toBe('COMPLETED');
    expect(r.exit_code).toBe(0);
    const out = await call<{ output: Buffer }>(
      (md, cb) => w.stub.GetStdout({ task_id: t.task_id, offset: 0, length: 0 }, md, cb),
      bearer(w.token),
    );
    expect(out.output.toString('utf8').trim().split('\n')).toEqual([
      createHash('sha256').update(secret).digest('hex'),
      '600',
    ]);
    expectNoLeak('the log', w.logs.join(''), marker);
  });
});

describe('the secret key file', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterAll(() => {
    for (const d of dirs) d.remove();
  });

  const start = async (keyFile: string, dir: ReturnType<typeof tempDir>) =>
    startCoordinator(
      compileCoordinatorConfig({
        listen: '127.0.0.1:0',
        httpListen: '127.0.0.1:0',
        dataDir: dir.path,
        secretKeyFile: keyFile,
      }),
      { log: pino({ level: 'silent' }) },
    );

  it('refuses to start on a key others may read, or of the wrong size', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const readable = join(dir.path, 'readable.key');
    writeFileSync(readable, randomBytes(32), { mode: 0o600 });
    chmodSync(readable, 0o640);
    await expect(start(readable, dir)).rejects.toThrow(/mode 0640.*chmod 600/);
    const short = join(dir.path, 'short.key');
    writeFileSync(short, randomBytes(16), { mode: 0o600 });
    await expect(start(short, dir)).rejects.toThrow(/16 bytes; a key is 32 bytes/);
    // 64 hex digits (openssl rand -hex 32) are a key too.
    const hex = join(dir.path, 'hex.key');
    writeFileSync(hex, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const coord = await start(hex, dir);
    await coord.close();
  });
});

describe.skipIf(!PG_REACHABLE)('secret bytes on PostgreSQL', () => {
  it('two replicas sharing one key file: sealed on one, opened by the one the bot is on', async () => {
    const schema = `drover_test_${randomBytes(6).toString('hex')}`;
    cleanups.push(() => dropPgSchema(PG_URL, schema));
    const shared = tempDir();
    cleanups.push(() => shared.remove());
    const keyFile = join(shared.path, 'secret.key');
    const store = { store: PG_URL, storeSchema: schema, secretKeyFile: keyFile };
    const a = await startWorld(store);
    const b = await startWorld(store);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const bot = await connectBot(b, 'replica-bot');
    const { marker, secret } = newSecret();
    // Submitted on a (whose token file is its own), run by the bot on b.
    const t = await submit(a, request(secret, { idempotent: false }));
    const assign = await nextAssign(bot, t.task_id);
    expect(Buffer.from(assign.manifest!.secret_bytes).equals(secret)).toBe(true);
    expectNoLeak('the logs', a.logs.join('') + b.logs.join(''), marker);
  });

  it('reach only the Assign; the rows hold them sealed, and go with their task', async () => {
    const schema = `drover_test_${randomBytes(6).toString('hex')}`;
    cleanups.push(() => dropPgSchema(PG_URL, schema));
    const { marker, secret } = newSecret();
    const w = await startWorld({ store: PG_URL, storeSchema: schema });
    const withSecrets = await runScenario(w, marker, secret);
    expectNoLeak('the log', w.logs.join(''), marker);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(`SET search_path TO ${schema}`);
    const { rows } = await client.query<{ task_id: string; ciphertext: Buffer }>(
      'SELECT task_id, ciphertext FROM task_secrets',
    );
    expect(rows.map((r) => r.task_id).sort()).toEqual([...withSecrets].sort());
    for (const r of rows) expectNoLeak('task_secrets', r.ciphertext.toString('latin1'), marker);
    const tasks = await client.query<{ row: string }>('SELECT t::text AS row FROM tasks t');
    expectNoLeak('tasks', tasks.rows.map((r) => r.row).join('\n'), marker);
    const hooks = await client.query<{ row: string }>(
      'SELECT w::text AS row FROM webhook_deliveries w',
    );
    expectNoLeak('webhook_deliveries', hooks.rows.map((r) => r.row).join('\n'), marker);
    await client.query('DELETE FROM tasks WHERE id = $1', [withSecrets[0]]);
    const left = await client.query('SELECT 1 FROM task_secrets WHERE task_id = $1', [
      withSecrets[0],
    ]);
    expect(left.rowCount).toBe(0);
  });
});
