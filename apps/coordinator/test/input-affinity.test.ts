// Cache-aware dispatch over real gRPC (docs/cas.md): two idle bots match a task with an input
// tree; the one whose Hello says it holds the tree gets it; while that one is busy, the other
// gets the next such task at once. Scripted bots: the test decides what each bot reports.
import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  treeBlob,
  type CasClient,
  type NewTaskResponseOut,
  type TaskResultOut,
  type TasksClient,
  type UploadResponseOut,
} from '@drover/protocol';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
  until,
} from './harness';
import { ScriptedBot } from './scripted-bot';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;
let cas: CasClient;
let clientToken: string;
let botToken: string;
const bots: ScriptedBot[] = [];

const FILE = Buffer.from('#!/bin/sh\necho hello\n');
const FILE_HASH = createHash('sha256').update(FILE).digest('hex');
const TREE = treeBlob({
  files: [{ path: 'run.sh', hash: FILE_HASH, size: FILE.length, executable: true }],
  symlinks: [],
  dirs: [],
});

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
  clientToken = readToken(dir.path, 'client');
  botToken = readToken(dir.path, 'bot');
  const proto = loadDroverProto().drover.v1;
  cas = new proto.Cas(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as CasClient;
  await upload([FILE, Buffer.from(TREE.text, 'utf8')]);
});

afterAll(async () => {
  for (const b of bots) b.crash();
  cas.close();
  stub.close();
  await coord.close();
  dir.remove();
});

function upload(blobs: Buffer[]): Promise<UploadResponseOut> {
  return new Promise((resolve, reject) => {
    const stream = cas.Upload(bearer(clientToken), (err, res) =>
      err ? reject(err) : resolve(res!),
    );
    for (const data of blobs) {
      const hash = createHash('sha256').update(data).digest('hex');
      stream.write({ digest: { hash, size_bytes: data.length }, offset: 0, data });
    }
    stream.end();
  });
}

function newTask(name: string, withInputs: boolean): Promise<NewTaskResponseOut> {
  const properties = {
    command: ['./run.sh'],
    dimensions: [{ key: 'pool', value: 'inputs' }],
    ...(withInputs ? { cas_input_root: { hash: TREE.hash, size_bytes: TREE.size } } : {}),
  };
  return call<NewTaskResponseOut>(
    (md, cb) => stub.NewTask({ name, task_slices: [{ properties }] }, md, cb),
    bearer(clientToken),
  );
}

/** The task as stored now (GetResult). */
function stored(taskId: string): Promise<TaskResultOut> {
  return call<TaskResultOut>(
    (md, cb) => stub.GetResult({ task_id: taskId }, md, cb),
    bearer(clientToken),
  );
}

/** A scripted bot in pool `inputs`, idle in the dispatcher once this resolves. */
async function idleBot(botId: string, inputTrees: string[]): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, botToken);
  bots.push(b);
  b.send({
    hello: {
      bot_id: botId,
      version: 'scripted',
      dimensions: [{ key: 'pool', value: ['inputs'] }],
      running: [],
      state: { input_trees: inputTrees },
    },
  });
  await b.next((m) => m.msg === 'welcome');
  await until(() => coord.dispatcher.isIdle(botId));
  return b;
}

describe('cache-aware dispatch over real gRPC', () => {
  it('gives the task to the bot holding its tree, then the next at once to the other', async () => {
    // `cold` is idle first (idle longest): without the preference it would get the task.
    const cold = await idleBot('affinity-cold', []);
    const warm = await idleBot('affinity-warm', ['f'.repeat(64), TREE.hash]);

    const first = await newTask('first', true);
    expect(await stored(first.task_id)).toMatchObject({
      state: 'RUNNING',
      bot_id: 'affinity-warm',
    });
    const toWarm = (await warm.next((m) => m.msg === 'assign')).assign!;
    expect(toWarm.task_id).toBe(first.task_id);

    // `warm` is busy: a second task with the same tree does not wait for it.
    const second = await newTask('second', true);
    // Stored already RUNNING on `cold` (given in the write that created it): no wait.
    expect(await stored(second.task_id)).toMatchObject({
      state: 'RUNNING',
      bot_id: 'affinity-cold',
    });
    const toCold = (await cold.next((m) => m.msg === 'assign', 5_000)).assign!;
    expect(toCold.task_id).toBe(second.task_id);
    expect(coord.dispatcher.isBusy('affinity-warm')).toBe(true);

    // Both end, in whichever order: the next task with the tree goes to `warm` again.
    for (const [b, a] of [
      [warm, toWarm],
      [cold, toCold],
    ] as const) {
      b.send({ task_finished: { task_id: a.task_id, lease_id: a.lease_id, exit_code: 0 } });
    }
    await until(
      () => coord.dispatcher.isIdle('affinity-cold') && coord.dispatcher.isIdle('affinity-warm'),
    );
    const third = await newTask('third', true);
    const next = await Promise.race([
      warm.next((m) => m.msg === 'assign').then((m) => ['warm', m.assign!.task_id]),
      cold.next((m) => m.msg === 'assign').then((m) => ['cold', m.assign!.task_id]),
    ]);
    expect(next).toEqual(['warm', third.task_id]);
  });
});
