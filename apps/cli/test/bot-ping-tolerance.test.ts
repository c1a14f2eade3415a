// `drover submit --bot-ping-tolerance <secs>` and the task-file key `bot-ping-tolerance` (issue
// 21): the parser, the request it makes, the usage error (exit 2, nothing sent), the key read and
// written back; the CLI runs in-process against a real gRPC server on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRequestOut } from '@drover/protocol';
import { runCli } from '../src/program';
import { parseBotPingTolerance } from '../src/limit-args';
import { buildNewTaskRequest, DEFAULT_IO_TIMEOUT_SECS } from '../src/submit';
import { parseTaskFileText, readTaskFile } from '../src/task-file';
import { requestToTaskFile, taskFileYaml } from '../src/task-file-write';
// Test support shared with libs/client's own tests (a real gRPC server with fixed answers);
// no production code crosses this boundary.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  FAKE_TASK_ID,
  startFakeTasksServer,
  type FakeTasksServer,
} from '../../../libs/client/test/support/fake-tasks-server';
import { memoryRuntime } from './support/memory-runtime';

const TOKEN = 'cli-token';
const caller = { user: 'alice', parentTaskId: undefined };

describe('parseBotPingTolerance', () => {
  it.each(['30', '300', '1200'])('takes %s seconds', (text) => {
    expect(parseBotPingTolerance(text)).toEqual({ ok: true, value: Number(text) });
  });

  it.each(['29', '1201', '0', '-60', '60.5', '1m', ''])('refuses %j', (text) => {
    expect(parseBotPingTolerance(text)).toEqual({
      ok: false,
      message: 'expected a whole number from 30 to 1200',
    });
  });
});

describe('buildNewTaskRequest with a bot ping tolerance', () => {
  const base = { dimension: [{ key: 'pool', value: 'ci' }], ioTimeout: DEFAULT_IO_TIMEOUT_SECS };

  it('puts it in every slice, fallbacks included', () => {
    const built = buildNewTaskRequest(
      {
        ...base,
        botPingTolerance: 300,
        fallback: [{ expirationSecs: 60, set: [{ key: 'os', value: 'Linux' }], drop: [] }],
      },
      ['true'],
      caller,
    );
    if (!built.ok) throw new Error(built.message);
    expect(built.value.task_slices).toHaveLength(2);
    for (const slice of built.value.task_slices ?? [])
      expect(slice.properties).toMatchObject({ bot_ping_tolerance_secs: 300 });
  });

  it("sends none when none is given (the coordinator's applies)", () => {
    const built = buildNewTaskRequest(base, ['true'], caller);
    if (!built.ok) throw new Error(built.message);
    expect(built.value.task_slices?.[0]?.properties).not.toHaveProperty('bot_ping_tolerance_secs');
  });
});

describe('the task-file key bot-ping-tolerance', () => {
  function read(text: string) {
    const data = parseTaskFileText(text, 'task.yaml');
    if (!data.ok) return data;
    return readTaskFile(data.value, { caller });
  }

  it('is read into the properties', () => {
    const got = read('command: [make]\ndimensions: {pool: ci}\nbot-ping-tolerance: 600\n');
    expect(got.ok && got.requests[0]?.task_slices?.[0]?.properties).toMatchObject({
      bot_ping_tolerance_secs: 600,
    });
  });

  it('names its place in the file when out of range', () => {
    const got = read('command: [make]\ndimensions: {pool: ci}\nbot-ping-tolerance: 5\n');
    expect(got.ok).toBe(false);
    expect(!got.ok && got.errors.join('\n')).toContain('bot-ping-tolerance');
  });

  it('is written back by get-request and read again the same', () => {
    const stored: TaskRequestOut = {
      task_id: 'abc',
      name: 'n',
      priority: 20,
      tags: [],
      user: 'u',
      request_uuid: '',
      created_ts: { seconds: 1, nanos: 0 },
      authenticated: 'user:u',
      has_secret_bytes: false,
      parent_task_id: '',
      notify: null,
      task_slices: [
        {
          expiration_secs: 100,
          wait_for_capacity: false,
          properties: {
            command: ['run'],
            env: [],
            env_prefixes: [],
            relative_cwd: '',
            cas_input_root: null,
            dimensions: [{ key: 'pool', value: 'p' }],
            execution_timeout_secs: 3600,
            io_timeout_secs: 0,
            grace_period_secs: 30,
            idempotent: false,
            caches: [],
            bot_ping_tolerance_secs: 900,
          },
        },
      ],
    };
    const text = taskFileYaml(requestToTaskFile(stored));
    expect(text).toContain('bot-ping-tolerance: 900');
    const got = read(text);
    expect(got.ok && got.requests[0]?.task_slices?.[0]?.properties).toMatchObject({
      bot_ping_tolerance_secs: 900,
    });
  });
});

describe('drover submit --bot-ping-tolerance', () => {
  let fake: FakeTasksServer;
  let cwd: string;

  beforeAll(async () => {
    fake = await startFakeTasksServer({ token: TOKEN });
    cwd = mkdtempSync(join(tmpdir(), 'drover-cli-ping-tolerance-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function drover(args: string[]) {
    const io = memoryRuntime({ DROVER_SERVER: fake.address, DROVER_TOKEN: TOKEN }, cwd);
    const code = await runCli(args, io.rt);
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  }

  it('sends the tolerance', async () => {
    const run = await drover([
      'submit',
      '-d',
      'pool=ci',
      '--bot-ping-tolerance',
      '300',
      '--',
      'make',
    ]);
    expect(run).toMatchObject({ code: 0, stdout: `${FAKE_TASK_ID}\n`, stderr: '' });
    expect(fake.calls.at(-1)?.request).toMatchObject({
      task_slices: [{ properties: { bot_ping_tolerance_secs: 300 } }],
    });
  });

  it.each(['10', '1201', 'soon'])(
    'exits 2 for %s, naming the flag, and sends nothing',
    async (value) => {
      const before = fake.calls.length;
      const run = await drover([
        'submit',
        '-d',
        'pool=ci',
        '--bot-ping-tolerance',
        value,
        '--',
        'true',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`'--bot-ping-tolerance <secs>' argument '${value}' is invalid`);
      expect(run.stderr).toContain('expected a whole number from 30 to 1200');
      expect(run.stdout).toBe('');
      expect(fake.calls.length).toBe(before);
    },
  );
});
