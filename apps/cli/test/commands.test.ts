// The CLI's commands run in-process (runCli) against a real gRPC server on loopback.
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/program';
// Test support shared with libs/client's own tests (a real gRPC server with fixed answers);
// no production code crosses this boundary.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  FAKE_OUTPUT,
  FAKE_TASK_ID,
  startFakeTasksServer,
  type FakeTasksServer,
} from '../../../libs/client/test/support/fake-tasks-server';
import { memoryRuntime } from './support/memory-runtime';

const TOKEN = 'cli-token';
let fake: FakeTasksServer;
let cwd: string;

beforeAll(async () => {
  fake = await startFakeTasksServer({ token: TOKEN });
});
afterAll(() => fake.close());
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'drover-cli-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs `drover <args>` against the fake with the token in DROVER_TOKEN unless `env` says otherwise. */
async function drover(args: string[], env: Record<string, string> = { DROVER_TOKEN: TOKEN }) {
  const io = memoryRuntime({ DROVER_SERVER: fake.address, ...env }, cwd);
  const code = await runCli(args, io.rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), bytes: io.stdout() };
}

describe('usage errors exit 2 with a message and touch no server', () => {
  it.each([
    [['submit', '-d', 'pool', '--', 'true'], "argument 'pool' is invalid. expected key=value"],
    [
      ['submit', '-d', 'pool=x', '--priority', 'high', '--', 'true'],
      "'--priority <n>' argument 'high' is invalid",
    ],
    [['submit', '-d', 'pool=x', '--timeout', '1.5', '--', 'true'], "argument '1.5' is invalid"],
    [['submit', '-d', 'os=linux', '--', 'true'], 'a pool is required: add -d pool=<name>'],
    [['submit', '-d', 'pool=x'], "missing required argument 'command'"],
    [['submit', '-d', 'pool=x', '--env', 'A', '--', 'true'], 'expected KEY=VALUE'],
    [['submit', '--tag', 'nocolon', '-d', 'pool=x', '--', 'true'], 'expected key:value'],
    [['submit', '--bogus', '--', 'true'], "unknown option '--bogus'"],
    [
      ['submit', '-d', 'pool=x', '--fallback', 'pool=y', '--', 'true'],
      'the pool is the same in every slice',
    ],
    [
      ['submit', '-d', 'pool=x', '--fallback', '-gpu', '--', 'true'],
      '--fallback #1: -gpu: no -d gpu=… to leave out',
    ],
    [['submit', '-d', 'pool=x', '--request-uuid', '', '--', 'true'], 'must not be empty'],
    [['wait'], "missing required argument 'task-id'"],
    [['logs', 'a', 'b'], 'too many arguments'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [[], 'Usage: drover'],
  ])('drover %j', async (args, message) => {
    const before = fake.calls.length;
    const run = await drover(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(fake.calls.length).toBe(before);
  });

  it('exits 0 for --help, with the exit-code table', async () => {
    const run = await drover(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toContain('65  EXPIRED');
    expect(run.stdout).toContain('71  CLIENT_ERROR');
  });

  it('exits 2 when the token file cannot be read', async () => {
    const run = await drover(['result', FAKE_TASK_ID], { DROVER_TOKEN_FILE: join(cwd, 'none') });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read token file');
  });
});

describe('drover submit', () => {
  it('prints just the task id and sends the request with the token', async () => {
    const run = await drover(
      [
        'submit',
        '-d',
        'pool=ci',
        '-d',
        'os=Linux',
        '--tag',
        'a:b',
        '--env',
        'X=1',
        '--priority',
        '50',
        '--',
        'sh',
        '-c',
        'exit 3',
      ],
      { DROVER_TOKEN: TOKEN, USER: 'alice', DROVER_TASK_ID: 'parent-9' },
    );
    expect(run).toMatchObject({ code: 0, stdout: `${FAKE_TASK_ID}\n`, stderr: '' });
    const call = fake.calls.at(-1);
    expect(call?.method).toBe('NewTask');
    expect(call?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.request).toMatchObject({
      priority: 50,
      tags: ['a:b'],
      user: 'alice',
      parent_task_id: 'parent-9',
      task_slices: [
        {
          properties: {
            command: ['sh', '-c', 'exit 3'],
            env: [{ key: 'X', value: '1' }],
            dimensions: [
              { key: 'pool', value: 'ci' },
              { key: 'os', value: 'Linux' },
            ],
            io_timeout_secs: 1200,
          },
        },
      ],
    });
  });

  it('sends a slice per --fallback, and the --request-uuid', async () => {
    const run = await drover([
      'submit',
      '-d',
      'pool=ci',
      '-d',
      'gpu=nvidia',
      '--expiration',
      '120',
      '--wait-for-capacity',
      '--fallback',
      '600:gpu=amd|intel',
      '--fallback',
      '-gpu',
      '--request-uuid',
      'req-1',
      '--',
      'true',
    ]);
    expect(run).toMatchObject({ code: 0, stdout: `${FAKE_TASK_ID}\n` });
    const request = fake.calls.at(-1)?.request as {
      request_uuid: string;
      task_slices: Array<{
        properties: { dimensions: unknown; command: string[] };
        expiration_secs?: number;
        wait_for_capacity: boolean;
      }>;
    };
    expect(request.request_uuid).toBe('req-1');
    expect(
      request.task_slices.map((s) => [
        s.properties.dimensions,
        s.expiration_secs,
        s.wait_for_capacity,
        s.properties.command,
      ]),
    ).toEqual([
      [
        [
          { key: 'pool', value: 'ci' },
          { key: 'gpu', value: 'nvidia' },
        ],
        120,
        true,
        ['true'],
      ],
      [
        [
          { key: 'pool', value: 'ci' },
          { key: 'gpu', value: 'amd|intel' },
        ],
        600,
        false,
        ['true'],
      ],
      [[{ key: 'pool', value: 'ci' }], undefined, false, ['true']],
    ]);
  });

  it('takes global options after the subcommand too', async () => {
    const run = await drover(
      ['submit', '--server', fake.address, '--token', TOKEN, '-d', 'pool=ci', '--', 'true'],
      {},
    );
    expect(run).toMatchObject({ code: 0, stdout: `${FAKE_TASK_ID}\n` });
  });

  it('prints the NewTaskResponse as proto-field-name JSON with --json', async () => {
    const run = await drover(['submit', '--json', '-d', 'pool=ci', '--', 'true']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      task_id: FAKE_TASK_ID,
      request: {
        created_ts: '2023-11-14T22:13:20Z',
        task_slices: [{ properties: { command: ['true'] } }],
      },
      result: { state: 'PENDING' },
    });
  });

  it('uses the token in .drover/client.token of a parent directory when none is given', async () => {
    mkdirSync(join(cwd, '.drover'));
    writeFileSync(join(cwd, '.drover/client.token'), `${TOKEN}\n`);
    mkdirSync(join(cwd, 'deep/er'), { recursive: true });
    const io = memoryRuntime({ DROVER_SERVER: fake.address }, join(cwd, 'deep/er'));
    expect(await runCli(['submit', '-d', 'pool=ci', '--', 'true'], io.rt)).toBe(0);
    expect(fake.calls.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("exits 2 with the server's message when it rejects the request as INVALID_ARGUMENT", async () => {
    const run = await drover(['submit', '--priority', '0', '-d', 'pool=ci', '--', 'true']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe('drover: invalid request: priority: must be between 1 and 255\n');
  });
});

describe('drover wait', () => {
  it("prints each state on stderr and exits with the task's exit code", async () => {
    const run = await drover(['wait', FAKE_TASK_ID]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      '[+0.0s] PENDING\n[+1.0s] RUNNING on bot bot-1\n[+2.5s] COMPLETED exit 3 in 0.01s\n',
    );
  });

  it('prints one JSON result per line with --json', async () => {
    const run = await drover(['wait', FAKE_TASK_ID, '--json']);
    expect(run.code).toBe(3);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string; exit_code?: string });
    expect(lines.map((l) => l.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    // exit_code is an optional int64: absent until the process ended, then a string.
    expect(lines.map((l) => l.exit_code)).toEqual([undefined, undefined, '3']);
  });

  it('exits 1 naming the coordinator for an unknown task', async () => {
    const run = await drover(['wait', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `drover: task nope not found (asked the coordinator at ${fake.address})\n`,
    );
  });

  it('exits 1 and explains how to give a token when the coordinator wants one', async () => {
    const run = await drover(['wait', FAKE_TASK_ID], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did not accept the call (no token was given)');
    expect(run.stderr).toContain('DROVER_TOKEN');
  });
});

describe('drover logs, result, cancel', () => {
  it('writes the output bytes exactly, page by page', async () => {
    const run = await drover(['logs', FAKE_TASK_ID]);
    expect(run.code).toBe(0);
    expect(run.bytes).toEqual(FAKE_OUTPUT);
    expect(fake.calls.filter((c) => c.method === 'GetStdout').length).toBeGreaterThan(1);
  });

  it("follows the output stream with --follow, then exits with the task's code", async () => {
    const run = await drover(['logs', '--follow', FAKE_TASK_ID]);
    expect(run.code).toBe(3);
    expect(run.bytes).toEqual(FAKE_OUTPUT);
    expect(fake.calls.slice(-2).map((c) => c.method)).toEqual(['StreamOutput', 'GetResult']);
  });

  it('prints the result as JSON with proto field names', async () => {
    const run = await drover(['result', FAKE_TASK_ID, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      task_id: FAKE_TASK_ID,
      state: 'COMPLETED',
      exit_code: '3',
      bot_id: 'bot-1',
      completed_ts: '2023-11-14T22:13:22.500Z',
      failure: true,
    });
  });

  it('prints a summary for people', async () => {
    const run = await drover(['result', FAKE_TASK_ID]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('state      COMPLETED exit 3 in 0.01s');
  });

  it('cancels with --kill and reports that nothing was canceled', async () => {
    const run = await drover(['cancel', '--kill', FAKE_TASK_ID]);
    expect(run).toMatchObject({
      code: 0,
      stdout: `task ${FAKE_TASK_ID} is COMPLETED; not canceled\n`,
    });
    expect(fake.calls.at(-1)?.request).toEqual({ task_id: FAKE_TASK_ID, kill_running: true });
    const json = await drover(['cancel', '--json', FAKE_TASK_ID]);
    expect(JSON.parse(json.stdout)).toEqual({
      canceled: false,
      was_running: false,
      state: 'COMPLETED',
    });
  });
});
