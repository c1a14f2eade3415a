import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotApiClient,
  type NewTaskResponseOut,
  type OutputChunkOut,
  type TaskResultOut,
  type TasksClient,
  type UploadOutputsResponseOut,
} from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from './harness';
import { ScriptedBot } from './scripted-bot';

/**
 * Output files end to end: a real bot process uploads what its task left in
 * DROVER_OUTDIR, the result lists it, GetOutput returns it byte for byte; the size limit; the
 * upload's authorisation; a bot that dies half-way through an upload.
 */

const LIMIT = 4 * 1024 ** 2;
let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let stub: TasksClient;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path, { maxOutputFilesBytes: LIMIT });
  token = readToken(dir.path, 'client');
  stub = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'out-bot', ['--pool', 'outputs']);
}, 30_000);

afterAll(async () => {
  await stopProcess(bot);
  stub.close();
  await coord.close();
  dir.remove();
});

async function run(script: string, pool = 'outputs'): Promise<TaskResultOut> {
  const created = await call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          task_slices: [
            {
              properties: {
                command: ['sh', '-c', script],
                dimensions: [{ key: 'pool', value: pool }],
              },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  return waitFinal(created.task_id);
}

function waitFinal(taskId: string): Promise<TaskResultOut> {
  return new Promise((resolve, reject) => {
    let last: TaskResultOut | undefined;
    const s = stub.WaitTask({ task_id: taskId }, bearer(token), {
      deadline: Date.now() + 30_000,
    });
    s.on('data', (r: TaskResultOut) => (last = r));
    s.on('end', () => (last ? resolve(last) : reject(new Error('no result'))));
    s.on('error', reject);
  });
}

function getOutput(taskId: string, path: string): Promise<OutputChunkOut[]> {
  return new Promise((resolve, reject) => {
    const chunks: OutputChunkOut[] = [];
    const s = stub.GetOutput({ task_id: taskId, path }, bearer(token));
    s.on('data', (c: OutputChunkOut) => chunks.push(c));
    s.on('end', () => resolve(chunks));
    s.on('error', reject);
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function readdirSafe(path: string): string[] {
  return existsSync(path) ? readdirSync(path) : [];
}

/** Resolves once `cond` holds (checked every 10 ms); rejects after `deadlineMs`. */
async function until(cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('output files', () => {
  it('lists what the task left in DROVER_OUTDIR and returns it byte for byte', async () => {
    const binary = randomBytes(3 * 1024 ** 2 + 12_345);
    const source = join(dir.path, 'binary.src');
    writeFileSync(source, binary);
    const result = await run(
      [
        `cp '${source}' "$DROVER_OUTDIR/blob.bin"`,
        'mkdir -p "$DROVER_OUTDIR/nested/deeper"',
        `printf 'héllo\\n' > "$DROVER_OUTDIR/nested/deeper/hello.txt"`,
        ': > "$DROVER_OUTDIR/empty"',
        'ln -s /etc/passwd "$DROVER_OUTDIR/link"',
        'echo done',
      ].join(' && '),
    );
    expect(result.state).toBe('COMPLETED');
    expect(result.exit_code).toBe(0);
    expect(result.outputs_truncated).toBe(false);
    const hello = Buffer.from('héllo\n');
    expect(result.outputs).toEqual([
      { path: 'blob.bin', size: binary.length, digest: sha256(binary) },
      { path: 'empty', size: 0, digest: sha256(Buffer.alloc(0)) },
      { path: 'nested/deeper/hello.txt', size: hello.length, digest: sha256(hello) },
    ]);

    const chunks = await getOutput(result.task_id, 'blob.bin');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.data.length <= 1024 ** 2)).toBe(true);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(binary)).toBe(true);
    expect(
      Buffer.concat(
        (await getOutput(result.task_id, 'nested/deeper/hello.txt')).map((c) => c.data),
      ),
    ).toEqual(hello);
    expect(
      Buffer.concat((await getOutput(result.task_id, 'empty')).map((c) => c.data)).length,
    ).toBe(0);
    // Stored once, by content, and nothing left half-written.
    const blob = join(dir.path, 'outputs', 'sha256', sha256(binary).slice(0, 2), sha256(binary));
    expect(existsSync(blob)).toBe(true);
    expect(readdirSync(join(dir.path, 'outputs', 'tmp'))).toEqual([]);
  });

  it('refuses a path that is not among the outputs (no reading around the store)', async () => {
    const result = await run('echo x > "$DROVER_OUTDIR/a.txt"');
    for (const path of ['../tokens.json', 'b.txt', '/etc/passwd']) {
      await expect(getOutput(result.task_id, path)).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
    }
  });

  it('over the limit: the task still COMPLETES, marked truncated, with nothing uploaded', async () => {
    const result = await run(
      `head -c ${LIMIT + 1} /dev/zero > "$DROVER_OUTDIR/big" && echo small > "$DROVER_OUTDIR/s"; exit 4`,
    );
    expect(result.state).toBe('COMPLETED');
    expect(result.exit_code).toBe(4);
    expect(result.outputs_truncated).toBe(true);
    expect(result.outputs).toEqual([]);
    expect(result.summary).toMatch(
      /outputs truncated: .* over the limit of 4 MiB; none was uploaded/,
    );
    const zeros = sha256(Buffer.alloc(LIMIT + 1));
    expect(existsSync(join(dir.path, 'outputs', 'sha256', zeros.slice(0, 2), zeros))).toBe(false);
  });

  it('lists nothing for a task that wrote no output files', async () => {
    const result = await run('echo only stdout');
    expect(result.outputs).toEqual([]);
    expect(result.outputs_truncated).toBe(false);
  });
});

/** A task running `true` on pool=default, submitted to `tasks` with the caller's metadata. */
function submitTrue(tasks: TasksClient, md: grpc.Metadata): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>(
    (m, cb) =>
      tasks.NewTask(
        {
          task_slices: [
            { properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] } },
          ],
        },
        m,
        cb,
      ),
    md,
  );
}

describe('UploadOutputs authorisation and integrity', () => {
  /** A BotApi client of `address` (the shared coordinator by default). */
  function botApi(address = coord.grpcAddress): BotApiClient {
    const proto = loadDroverProto().drover.v1;
    return new proto.BotApi(
      address,
      grpc.credentials.createInsecure(),
      CLIENT_CHANNEL_OPTIONS,
    ) as unknown as BotApiClient;
  }

  function upload(
    tok: string,
    chunks: Parameters<ReturnType<BotApiClient['UploadOutputs']>['write']>[0][],
  ): Promise<UploadOutputsResponseOut> {
    const client = botApi();
    return new Promise<UploadOutputsResponseOut>((resolve, reject) => {
      const c = client.UploadOutputs(bearer(tok), (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res!);
      });
      for (const chunk of chunks) c.write(chunk);
      c.end();
    });
  }

  const data = Buffer.from('payload');
  const chunk = (over: object = {}) => ({
    bot_id: 'out-bot',
    task_id: 'nope',
    lease_id: 'nope',
    path: 'f',
    offset: 0,
    data,
    size: data.length,
    digest: sha256(data),
    ...over,
  });

  it('refuses a client token, and a bot token for a task its bot does not hold', async () => {
    await expect(upload(token, [chunk()])).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    await expect(upload(readToken(dir.path, 'bot'), [chunk()])).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
  });

  it('ends a task whose bot died half-way through its upload as BOT_DIED, listing nothing', async () => {
    const d = tempDir();
    const c = await startTestCoordinator(d.path, { botPingToleranceSecs: 1 });
    const tasks = tasksStub(c.grpcAddress);
    const botToken = readToken(d.path, 'bot');
    const scripted = new ScriptedBot(c.grpcAddress, botToken);
    try {
      scripted.hello('dying-bot');
      await scripted.next((m) => m.msg === 'welcome');
      const created = await submitTrue(tasks, bearer(readToken(d.path, 'client')));
      const assign = (await scripted.next((m) => m.msg === 'assign')).assign!;
      scripted.send({ task_started: { task_id: assign.task_id, lease_id: assign.lease_id } });
      const big = randomBytes(2 * 1024 ** 2);
      const client = botApi(c.grpcAddress);
      const failed = new Promise<grpc.ServiceError>((resolve) => {
        const up = client.UploadOutputs(bearer(botToken), (err) => resolve(err!));
        // Half of the file, then the bot "dies": the call and its stream are gone.
        up.write({
          bot_id: 'dying-bot',
          task_id: assign.task_id,
          lease_id: assign.lease_id,
          path: 'half.bin',
          offset: 0,
          data: big.subarray(0, 1024 ** 2),
          size: big.length,
          digest: sha256(big),
        });
        // Once the coordinator is writing it (its temp file exists), the bot "dies".
        void until(() => readdirSafe(join(d.path, 'outputs', 'tmp')).length > 0).then(() =>
          up.cancel(),
        );
      });
      expect((await failed).code).toBe(grpc.status.CANCELLED);
      client.close();
      scripted.crash();
      const tasksToken = readToken(d.path, 'client');
      const final = await new Promise<TaskResultOut>((resolve, reject) => {
        let last: TaskResultOut | undefined;
        const s = tasks.WaitTask({ task_id: created.task_id }, bearer(tasksToken));
        s.on('data', (r: TaskResultOut) => (last = r));
        s.on('end', () => resolve(last!));
        s.on('error', reject);
      });
      expect(final.state).toBe('BOT_DIED');
      expect(final.outputs).toEqual([]);
      expect(final.outputs_truncated).toBe(false);
      const digest = sha256(big);
      expect(existsSync(join(d.path, 'outputs', 'sha256', digest.slice(0, 2), digest))).toBe(false);
      await until(() => readdirSafe(join(d.path, 'outputs', 'tmp')).length === 0);
    } finally {
      tasks.close();
      await c.close();
      d.remove();
    }
  });

  it("lists only files a task's own bot uploaded: another task's blob cannot be claimed by digest", async () => {
    const d = tempDir();
    const c = await startTestCoordinator(d.path);
    const tasks = tasksStub(c.grpcAddress);
    const botToken = readToken(d.path, 'bot');
    const clientMd = bearer(readToken(d.path, 'client'));
    const scripted = new ScriptedBot(c.grpcAddress, botToken);
    const client = botApi(c.grpcAddress);
    const secret = Buffer.from('secret of task 1');
    const file = { path: 's.txt', size: secret.length, digest: sha256(secret) };
    const submit = () => submitTrue(tasks, clientMd);
    const finish = (assign: { task_id: string; lease_id: string }) => {
      scripted.send({ task_started: { task_id: assign.task_id, lease_id: assign.lease_id } });
      scripted.send({
        task_finished: {
          task_id: assign.task_id,
          lease_id: assign.lease_id,
          exit_code: 0,
          duration: 0.1,
          outputs: [file],
        },
      });
    };
    const result = (taskId: string) =>
      call<TaskResultOut>((md, cb) => tasks.GetResult({ task_id: taskId }, md, cb), clientMd);
    try {
      scripted.hello('honest-bot');
      await scripted.next((m) => m.msg === 'welcome');
      // Task 1 uploads its file, then lists it.
      const first = await submit();
      const a1 = (await scripted.next((m) => m.msg === 'assign')).assign!;
      await new Promise<void>((resolve, reject) => {
        const up = client.UploadOutputs(bearer(botToken), (e) => (e ? reject(e) : resolve()));
        up.write({ bot_id: 'honest-bot', ...a1, offset: 0, data: secret, ...file });
        up.end();
      });
      finish(a1);
      await scripted.next((m) => m.msg === 'ack' && m.ack?.finished === true);
      expect((await result(first.task_id)).outputs).toEqual([file]);
      // Task 2 lists the same digest without uploading it: not listed, marked truncated.
      const second = await submit();
      const a2 = (await scripted.next((m) => m.msg === 'assign')).assign!;
      finish(a2);
      await scripted.next((m) => m.msg === 'ack' && m.ack?.finished === true);
      const r2 = await result(second.task_id);
      expect(r2.outputs).toEqual([]);
      expect(r2.outputs_truncated).toBe(true);
      scripted.crash();
    } finally {
      client.close();
      tasks.close();
      await c.close();
      d.remove();
    }
  });

  it('keeps no file whose content does not match its digest', async () => {
    // A task held by a scripted bot, so that its lease is known to the test.
    const d = tempDir();
    const c = await startTestCoordinator(d.path);
    const tasks = tasksStub(c.grpcAddress);
    const botToken = readToken(d.path, 'bot');
    const scripted = new ScriptedBot(c.grpcAddress, botToken);
    try {
      scripted.hello('liar-bot');
      await scripted.next((m) => m.msg === 'welcome');
      await submitTrue(tasks, bearer(readToken(d.path, 'client')));
      const assign = (await scripted.next((m) => m.msg === 'assign')).assign!;
      const client = botApi(c.grpcAddress);
      const claimed = sha256(Buffer.from('something else'));
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        const up = client.UploadOutputs(bearer(botToken), (e) => resolve(e));
        up.write({
          bot_id: 'liar-bot',
          task_id: assign.task_id,
          lease_id: assign.lease_id,
          path: 'x',
          offset: 0,
          data,
          size: data.length,
          digest: claimed,
        });
        up.end();
      });
      client.close();
      expect(err?.code).toBe(grpc.status.DATA_LOSS);
      expect(existsSync(join(d.path, 'outputs', 'sha256', claimed.slice(0, 2), claimed))).toBe(
        false,
      );
      expect(readdirSync(join(d.path, 'outputs', 'tmp'))).toEqual([]);
      scripted.crash();
    } finally {
      tasks.close();
      await c.close();
      d.remove();
    }
  });
});
