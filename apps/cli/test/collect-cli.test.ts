// drover collect and wait with several ids, in-process (runCli) against the fake Tasks server on
// loopback: the output prefixes, the files of --output-dir, the live summary on a terminal, and
// unknown ids. The real coordinator and bots are in workflow-cli.test.ts.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/program';
// Test support shared with libs/client's own tests (a real gRPC server with fixed answers).
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  FAKE_OUTPUT,
  FAKE_TASK_ID,
  startFakeTasksServer,
  type FakeTasksServer,
} from '../../../libs/client/test/support/fake-tasks-server';
import { memoryRuntime } from './support/memory-runtime';

const TOKEN = 'collect-token';
let fake: FakeTasksServer;
let cwd: string;

beforeAll(async () => {
  fake = await startFakeTasksServer({ token: TOKEN });
});
afterAll(() => fake.close());
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'drover-collect-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function drover(args: string[], opts: { tty?: boolean } = {}) {
  const io = memoryRuntime({ DROVER_SERVER: fake.address, DROVER_TOKEN: TOKEN }, cwd);
  if (opts.tty === true) Object.assign(io.rt.stderr, { isTTY: true });
  const code = await runCli(args, io.rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), bytes: io.stdout() };
}

const prefixed = (prefix: string) =>
  FAKE_OUTPUT.toString('latin1')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${prefix}${line}\n`)
    .join('');

describe('drover submit --shards against the fake', () => {
  it('sends the shards in one NewTasks call and prints one NewTaskResponse a line', async () => {
    const before = fake.calls.length;
    const run = await drover([
      'submit',
      '-d',
      'pool=ci',
      '--name',
      'sharded',
      '--shards',
      '2',
      '--json',
      '--',
      'true',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const list = lines.map((line) => JSON.parse(line) as { task_id: string });
    // The fake's NewTasks answers each request's name as its task id.
    expect(list.map((r) => r.task_id)).toEqual(['sharded', 'sharded']);
    const sent = fake.calls.slice(before).filter((c) => c.method.startsWith('NewTask'));
    expect(sent.map((c) => c.method)).toEqual(['NewTasks']);
    const requests = sent.flatMap((c) => {
      const request = c.request as { requests?: unknown[] };
      return (request.requests ?? [c.request]) as Array<{ tags: string[] }>;
    });
    expect(requests.map((r) => r.tags.filter((t) => t.startsWith('shard_index:')))).toEqual([
      ['shard_index:0'],
      ['shard_index:1'],
    ]);
    expect(run.stderr).toMatch(/^2 shards, group [0-9a-f]{16}: drover collect --shard-group /);
  });
});

describe('drover collect against the fake', () => {
  it("prefixes each line of a task's output with its id and exits with its code", async () => {
    const run = await drover(['collect', FAKE_TASK_ID, '--output']);
    expect(run.code).toBe(3);
    expect(run.bytes).toEqual(Buffer.from(prefixed(`[${FAKE_TASK_ID}] `), 'latin1'));
    expect(run.stderr).toBe(`${FAKE_TASK_ID}: COMPLETED exit 3 in 0.01s\n`);
  });

  it('writes each output to its file under --output-dir, byte for byte', async () => {
    const dir = join(cwd, 'logs');
    const run = await drover(['collect', FAKE_TASK_ID, '--output-dir', dir, '--json']);
    expect(run.code).toBe(3);
    expect(readdirSync(dir)).toEqual([`${FAKE_TASK_ID}.log`]);
    expect(readFileSync(join(dir, `${FAKE_TASK_ID}.log`))).toEqual(FAKE_OUTPUT);
    expect(JSON.parse(run.stdout)).toMatchObject({ task_id: FAKE_TASK_ID, exit_code: '3' });
  });

  it('draws one live summary line on a terminal, then leaves the last one and the failures', async () => {
    const run = await drover(['collect', FAKE_TASK_ID], { tty: true });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('\r\x1b[K1 task: ');
    const lines = run.stderr.split('\n');
    const last = lines.at(-3) ?? '';
    expect(last.startsWith('\r\x1b[K1 task: 1 COMPLETED_FAILURE; elapsed ')).toBe(true);
    expect(lines.at(-2)).toBe(`${FAKE_TASK_ID}: COMPLETED exit 3 in 0.01s`);
  });

  it('exits 1 naming the ids the coordinator does not know, following none', async () => {
    const run = await drover(['wait', FAKE_TASK_ID, 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('drover: task nope: not found\n');
  });

  it.each([
    [['collect', FAKE_TASK_ID, '--output', '--output-dir', 'x'], '--output and --output-dir'],
    [['collect', FAKE_TASK_ID, '--output', '--json'], 'use --output-dir with --json'],
    [['collect', '--shard-group', 'a b'], 'expected a shard group id'],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = await drover(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
