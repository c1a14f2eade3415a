// `drover retry` and `drover reproduce` against a real coordinator on loopback: a
// retry is a new task with the same request and `retry_of:ID`; reproduce runs the task's command
// here, in a fresh directory with its environment, and exits with its code. Neither needs a bot.
import { createDroverClient, type DroverClient } from '@drover/client';
import type { TaskRequestOut } from '@drover/protocol';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/program';
import { reproducePlan } from '../src/reproduce';
import { retryRequest } from '../src/retry';
import { memoryRuntime } from './support/memory-runtime';
import { COORDINATOR, RealBins } from './support/real-bins';

let cwd: string;
let bins: RealBins;
let server = '';
let client: DroverClient;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'drover-retry-reproduce-'));
  bins = new RealBins(cwd);
  const dataDir = join(cwd, '.drover');
  const { rec } = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(rec['grpc']);
  const token = readFileSync(join(dataDir, 'client.token'), 'utf8').trim();
  client = createDroverClient({ server, token });
}, 40_000);

afterAll(async () => {
  client?.close();
  await bins?.stopAll();
  rmSync(cwd, { recursive: true, force: true });
});

/** `drover <args>` in-process; the token is found in .drover/client.token from the cwd. */
async function drover(args: string[], env: Record<string, string> = {}) {
  const io = memoryRuntime(
    { DROVER_SERVER: server, USER: 'erin', PATH: process.env['PATH'] ?? '', ...env },
    cwd,
  );
  const code = await runCli(args, io.rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

async function submit(args: string[]): Promise<string> {
  const run = await drover(['submit', '-d', 'pool=default', '--wait-for-capacity', ...args]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return run.stdout.trim();
}

describe('drover retry', () => {
  it('submits the same request again as a new task tagged retry_of:ID', async () => {
    const original = await submit([
      '--name',
      'flaky',
      '--tag',
      'build:1',
      '--tag',
      'kind:test',
      '--priority',
      '90',
      '--env',
      'X=1',
      '-d',
      'gpu=any',
      '--fallback',
      '60:-gpu',
      '--',
      'sh',
      '-c',
      'exit 1',
    ]);

    const run = await drover(['retry', original, '--priority', '7', '--tag', 'build:2']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const retried = run.stdout.trim();
    expect(retried).not.toBe(original);

    const [before, after] = await Promise.all([
      client.getRequest(original),
      client.getRequest(retried),
    ]);
    // The coordinator's own tags (pool:, user:, name:, priority:) follow the retry's request.
    expect(after.tags.slice(0, 3)).toEqual(['kind:test', 'build:2', `retry_of:${original}`]);
    expect(after.tags).toContain('priority:7');
    expect(after.tags).not.toContain(`priority:${before.priority}`);
    expect(after.priority).toBe(7);
    const same = (r: TaskRequestOut) => ({ name: r.name, user: r.user, slices: r.task_slices });
    expect(same(after)).toEqual(same(before));

    // A retry of the retry names the task it repeats, once.
    const again = await drover(['retry', retried]);
    expect(again.code).toBe(0);
    const third = await client.getRequest(again.stdout.trim());
    expect(third.tags.slice(0, 3)).toEqual(['kind:test', 'build:2', `retry_of:${retried}`]);
    expect(third.priority).toBe(7);
  });

  it('exits 1 for an unknown task, submitting nothing', async () => {
    const before = (await client.countTasks({ state: 'QUERY_ALL' })).count;
    const run = await drover(['retry', 'no-such-task']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect((await client.countTasks({ state: 'QUERY_ALL' })).count).toBe(before);
  });

  it('never sends the request_uuid again, nor a notify URL whose credentials were hidden', () => {
    const stored = {
      task_id: 't1',
      name: '',
      priority: 200,
      tags: ['parent_task_id:p', 'a:b'],
      user: 'u',
      request_uuid: 'uuid-1',
      created_ts: null,
      authenticated: '',
      parent_task_id: 'p',
      notify: { url: 'https://***@hooks.example.com/x', userdata: '' },
      has_secret_bytes: false,
      task_slices: [],
    } satisfies TaskRequestOut;
    const { request, notes } = retryRequest(stored, {}, { parentTaskId: undefined });
    expect(request.request_uuid).toBeUndefined();
    expect(request.notify).toBeUndefined();
    expect(request.parent_task_id).toBe('');
    expect(request.tags).toEqual(['a:b', 'retry_of:t1']);
    expect(notes.join()).toContain('hid the credentials');
  });
});

describe('drover reproduce', () => {
  it('runs the command here in a fresh dir with its env and cwd, exiting with its code', async () => {
    const id = await submit([
      '--env',
      'GREETING=hello from the task',
      '--env',
      'HOME=',
      '--cwd',
      'sub/dir',
      '--cache',
      'npm=.npm',
      '--',
      'sh',
      '-c',
      'echo "$GREETING"; pwd; echo "home=${HOME-unset}"; ' +
        'test -d ../../.npm && echo out > "$DROVER_OUTDIR/f.txt"; echo err >&2; exit 7',
    ]);
    const dir = join(cwd, 'repro');
    const run = await drover(['reproduce', id, '--dir', 'repro'], { HOME: '/somewhere' });
    expect(run.code).toBe(7);
    expect(run.stdout).toBe(`hello from the task\n${join(dir, 'w', 'sub', 'dir')}\nhome=unset\n`);
    expect(run.stderr).toContain(`reproducing task ${id} (slice 0) in ${dir}`);
    expect(run.stderr).toContain('secret variables, if the task had any, are not set');
    expect(run.stderr).toContain('caches start empty: npm at .npm');
    expect(run.stderr).toContain('err\n');
    expect(readFileSync(join(dir, 'out', 'f.txt'), 'utf8')).toBe('out\n');
  });

  it('makes a temp dir when given none, and says where', async () => {
    const id = await submit(['--', 'sh', '-c', 'touch made-here']);
    const run = await drover(['reproduce', id]);
    expect(run.code).toBe(0);
    const dir = /in (\S+): work dir/.exec(run.stderr)?.[1] ?? '';
    expect(existsSync(join(dir, 'w', 'made-here'))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a --dir that is not empty (exit 2), running nothing', async () => {
    const id = await submit(['--', 'sh', '-c', 'touch ran']);
    mkdirSync(join(cwd, 'used'));
    writeFileSync(join(cwd, 'used', 'x'), '');
    const run = await drover(['reproduce', id, '--dir', 'used']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--dir used is not empty');
    expect(existsSync(join(cwd, 'used', 'w'))).toBe(false);
  });

  it('exits 127 when the program cannot be started', async () => {
    const id = await submit(['--', 'no-such-program-drover-test']);
    const run = await drover(['reproduce', id, '--dir', 'missing-program']);
    expect(run.code).toBe(127);
    expect(run.stderr).toContain('cannot run "no-such-program-drover-test"');
  });

  it('names the secret variables a graph execution had, which it cannot set', () => {
    const planned = reproducePlan(
      {
        task_id: 'g',
        name: '',
        priority: 200,
        tags: ['drover-graph-execution:abc'],
        user: '',
        request_uuid: '',
        created_ts: null,
        authenticated: '',
        has_secret_bytes: false,
        parent_task_id: '',
        notify: null,
        task_slices: [
          {
            wait_for_capacity: false,
            properties: {
              command: ['true'],
              env: [],
              env_prefixes: [{ key: 'PATH', value: ['bin'] }],
              relative_cwd: '',
              cas_input_root: null,
              dimensions: [],
              idempotent: false,
              caches: [],
            },
          },
        ],
      },
      0,
      '/r',
      { PATH: '/usr/bin', DROVER_TASK_ID: 'outer', SECRET: 'kept: it is yours' },
    );
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.notes.join('\n')).toContain(
      'secret variables not set (GetRequest never returns them): DROVER_EXECUTION_ID, DROVER_EXECUTION_TOKEN',
    );
    expect(planned.plan.env).toMatchObject({ PATH: '/r/w/bin:/usr/bin', DROVER_OUTDIR: '/r/out' });
    expect(planned.plan.env['DROVER_TASK_ID']).toBeUndefined();
  });
});
