// Parent tasks and watching with the real executables: `drover submit` run by a bot inside a task links the new
// task to it through DROVER_TASK_ID, and `drover watch` prints the changes of matching tasks until
// Ctrl-C, then exits 0.
import { createDroverClient, type DroverClient, type TaskResultOut } from '@drover/client';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, CLI, COORDINATOR, RealBins, jsonLines } from './support/real-bins';

let work: string;
let bins: RealBins;
let server = '';
let token = '';
let client: DroverClient;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-links-cli-'));
  bins = new RealBins(work);
  const dataDir = join(work, '.drover');
  const coord = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  await bins.startUntil(
    BOT,
    ['--server', server, '--data-dir', dataDir, '--id', 'links-cli-bot'],
    'bot ready',
  );
  token = readFileSync(join(dataDir, 'client.token'), 'utf8').trim();
  client = createDroverClient({ server, token });
});

afterAll(async () => {
  client.close();
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Follows a task to its final result. */
async function finalResult(taskId: string): Promise<TaskResultOut> {
  let last: TaskResultOut | undefined;
  for await (const result of client.waitTask(taskId, { deadlineMs: 30_000 })) last = result;
  return last!;
}

const task = (
  command: string[],
  tags: string[] = [],
  env: Array<{ key: string; value: string }> = [],
) => ({
  tags,
  task_slices: [
    {
      properties: { command, env, dimensions: [{ key: 'pool', value: 'default' }] },
    },
  ],
});

describe('drover submit inside a task', () => {
  it('links the new task to the one it runs in (DROVER_TASK_ID), which cancels it on ending', async () => {
    // The payload runs the CLI; the bot gives it DROVER_TASK_ID and DROVER_SERVER.
    const parent = await client.newTask(
      task(
        [
          process.execPath,
          CLI,
          'submit',
          '-d',
          'pool=nowhere',
          '--wait-for-capacity',
          '--',
          'true',
        ],
        [],
        [{ key: 'DROVER_TOKEN', value: token }],
      ),
    );
    const parentId = parent.task_id;
    const ended = await finalResult(parentId);
    const out = (await client.getStdout(parentId)).output.toString('utf8').trim();
    expect({ state: ended.state, exit: ended.exit_code, out }).toMatchObject({
      state: 'COMPLETED',
      exit: 0,
    });
    const childId = out;
    expect(childId).toMatch(/^[0-9a-f]{20}$/);

    const child = await finalResult(childId);
    expect(child.parent_task_id).toBe(parentId);
    expect(child.tags).toContain(`parent_task_id:${parentId}`);
    // It was waiting for a bot of pool nowhere when its parent COMPLETED.
    expect(child.state).toBe('CANCELED');

    const listed = await bins.drover(server, ['tasks', '--parent', parentId, '--json']);
    expect(listed.code).toBe(0);
    expect(jsonLines(listed.stdout).map((r) => [r['task_id'], r['parent_task_id']])).toEqual([
      [childId, parentId],
    ]);
  });
});

describe('drover watch', () => {
  it('prints every change of the tasks with the tag, one line each, until Ctrl-C: exit 0', async () => {
    const watcher = spawn(process.execPath, [CLI, 'watch', '--tag', 'watch:yes', '--json'], {
      cwd: work,
      env: { PATH: process.env['PATH'] ?? '', HOME: work, DROVER_SERVER: server },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const grew = new EventTarget();
    watcher.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      grew.dispatchEvent(new Event('data'));
    });
    watcher.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      grew.dispatchEvent(new Event('data'));
    });
    const exited = new Promise<number | null>((resolve) => watcher.on('close', resolve));
    const until = (pred: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        if (pred()) return resolve();
        const timer = setTimeout(() => reject(new Error(`${what}: ${stderr}`)), 20_000);
        const check = () => {
          if (!pred()) return;
          clearTimeout(timer);
          grew.removeEventListener('data', check);
          resolve();
        };
        grew.addEventListener('data', check);
      });
    try {
      await until(() => stderr.includes('watching'), 'drover watch never started watching');
      // A task without the tag first, to its end: had it been streamed, it would come first.
      const other = await client.newTask(task(['true'], ['watch:no']));
      await finalResult(other.task_id);
      const mine = await client.newTask(task(['true'], ['watch:yes']));
      await finalResult(mine.task_id);
      await until(() => stdout.includes('"state":"COMPLETED"'), 'no COMPLETED line');
      watcher.kill('SIGINT');
      expect(await exited).toBe(0);
      const lines = jsonLines(stdout);
      expect(lines.map((l) => [l['task_id'], l['previous_state'], l['state']])).toEqual([
        [mine.task_id, 'INVALID', 'PENDING'],
        [mine.task_id, 'PENDING', 'RUNNING'],
        [mine.task_id, 'RUNNING', 'COMPLETED'],
      ]);
      expect(lines[2]!['result']).toMatchObject({ exit_code: '0' });
      expect((lines[2]!['result'] as { tags: string[] }).tags[0]).toBe('watch:yes');
    } finally {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    }
  });
});
