// The dashboard's WebSocket on a test coordinator with a real bot process: authentication by the
// first message, task state changes and output chunks pushed as they happen, as the gRPC
// services' messages in canonical JSON (docs/json.md).
import type { TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import {
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from '../harness';
import { gatedLines, submitTask } from './dashboard-client';
import { LiveSocket } from './live-socket';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let bot: ChildProcess;
let clientToken: string;
const sockets: LiveSocket[] = [];

async function connect(token: string): Promise<LiveSocket> {
  const s = new LiveSocket(coord);
  sockets.push(s);
  await s.open();
  s.send({ type: 'auth', token });
  return s;
}

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  clientToken = readToken(dir.path, 'client');
  tasks = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'live-bot', ['--pool', 'default']);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await stopProcess(bot);
  tasks.close();
  await coord.close();
  dir.remove();
});

describe('dashboard live socket', () => {
  it('closes a socket whose first message carries no valid token with code 4401', async () => {
    const s = await connect('drv_c_wrong');
    await expect(s.next(() => false)).rejects.toThrow('socket closed (4401)');
  });

  it('pushes the state changes and output chunks of a running task as they happen', async () => {
    const s = await connect(clientToken);
    await s.next((m) => m.type === 'ready');
    s.send({ type: 'subscribe', topics: ['tasks', 'bots'] });
    const gate = join(dir.path, 'gate');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(gate);
    const taskId = await submitTask(tasks, clientToken, {
      name: 'slow lines',
      command: gatedLines(gate, 3),
    });
    await s.next(
      (m) =>
        m.type === 'tasks' &&
        (m.items ?? []).some((t) => t['task_id'] === taskId && t['state'] === 'RUNNING'),
    );
    await s.next(
      (m) =>
        m.type === 'bots' &&
        (m.items ?? []).some((b) => b['bot_id'] === 'live-bot' && b['task_id'] === taskId),
    );

    s.send({ type: 'follow', task_id: taskId, offset: 0 });
    writeFileSync(join(gate, 'go-1'), '');
    await s.until(() => (s.output(taskId).includes('line 1\n') ? true : undefined));
    expect(s.output(taskId)).toBe('line 1\n');
    const first = await s.next((m) => m.type === 'output' && m.task_id === taskId);
    expect(first.output).toEqual({
      offset: '0',
      output: Buffer.from('line 1\n').toString('base64'),
      state: 'RUNNING',
      size: '7',
    });

    writeFileSync(join(gate, 'go-2'), '');
    writeFileSync(join(gate, 'go-3'), '');
    const end = await s.next((m) => m.type === 'output-end' && m.task_id === taskId);
    expect(s.output(taskId)).toBe('line 1\nline 2\nline 3\n');
    expect(end.output).toMatchObject({ offset: '21', output: '', size: '21' });
    const followed = await s.next(
      (m) => m.type === 'task' && m.result?.task_id === taskId && m.result['state'] === 'COMPLETED',
    );
    expect(followed.result).toMatchObject({ exit_code: '0', output_size: '21', failure: false });
    expect(followed.result!['completed_ts']).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const listed = await s.next(
      (m) =>
        m.type === 'tasks' &&
        (m.items ?? []).some((t) => t['task_id'] === taskId && t['state'] === 'COMPLETED'),
    );
    expect(listed.items!.find((t) => t['task_id'] === taskId)).toMatchObject({
      exit_code: '0',
      output_size: '21',
      created_ts: followed.result!['created_ts'],
    });
  });

  it('sends the whole output of a finished task to a late follower, then ends', async () => {
    const s = await connect(clientToken);
    await s.next((m) => m.type === 'ready');
    const taskId = await submitTask(tasks, clientToken, {
      name: 'many lines',
      command: ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "row $i"; i=$((i+1)); done'],
    });
    s.send({ type: 'follow', task_id: taskId, offset: '0' });
    const end = await s.next((m) => m.type === 'output-end' && m.task_id === taskId, 25_000);
    const text = s.output(taskId);
    expect(text.length).toBe(Number(end.output?.size));
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(20000);
    expect(text.endsWith('row 19999\n')).toBe(true);
  });
});
