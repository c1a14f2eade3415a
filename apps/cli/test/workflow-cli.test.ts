// The many-task workflow as a user runs it: the real drover-coordinator and two drover-bot
// executables on loopback, then `drover submit --shards`, `run`, `collect`, `wait ID ID…` and
// `logs -f` as child processes. The test reads states through @drover/client's WaitTask stream
// (no polling) when it must act at a given moment, e.g. kill a task once it runs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDroverClient, type DroverClient, type TaskStateWire } from '@drover/client';
import { BOT, CLI, COORDINATOR, RealBins, jsonLines } from './support/real-bins';

let work: string;
let server = '';
let bins: RealBins;
let client: DroverClient;
const drover = (...args: string[]) => bins.drover(server, args);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-workflow-'));
  bins = new RealBins(work);
  const dataDir = join(work, '.drover');
  const coord = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  await Promise.all(
    ['wf-bot-1', 'wf-bot-2'].map((id) =>
      bins.startUntil(BOT, ['--server', server, '--data-dir', dataDir, '--id', id], 'bot ready'),
    ),
  );
  const token = readFileSync(join(dataDir, 'client.token'), 'utf8').trim();
  client = createDroverClient({ server, token });
}, 60_000);

afterAll(async () => {
  client?.close();
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Resolves once the task is in `state` (WaitTask: the state now, then every change). */
async function reached(taskId: string, state: TaskStateWire): Promise<void> {
  for await (const result of client.waitTask(taskId)) if (result.state === state) return;
  throw new Error(`task ${taskId} ended without reaching ${state}`);
}

async function submit(...args: string[]): Promise<string> {
  const run = await drover('submit', '-d', 'pool=default', ...args);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

const SHARD_SCRIPT = 'echo $GTEST_SHARD_INDEX/$GTEST_TOTAL_SHARDS; exit $((GTEST_SHARD_INDEX==2))';

describe('drover run --shards and collect --shard-group', () => {
  it("shows each shard's output prefixed and exits 1 (shard 2 failed); collect agrees", async () => {
    const ran = await drover(
      'run',
      '-d',
      'pool=default',
      '--shards',
      '4',
      '--',
      'sh',
      '-c',
      SHARD_SCRIPT,
    );
    expect(ran.code).toBe(1);
    expect(
      ran.stdout
        .split('\n')
        .filter((l) => l !== '')
        .sort(),
    ).toEqual(['[0] 0/4', '[1] 1/4', '[2] 2/4', '[3] 3/4']);
    const group = /4 shards, group ([0-9a-f]{16})/.exec(ran.stderr)?.[1];
    expect(group).toBeDefined();
    // Not a terminal: one line per task end, the failing shard among them.
    expect(ran.stderr).toMatch(/^shard 2: COMPLETED exit 1 in /m);
    expect(ran.stderr).toMatch(/^shard 0: COMPLETED exit 0 in /m);

    const collected = await drover('collect', '--shard-group', group!, '--json');
    expect(collected.code).toBe(1);
    const lines = jsonLines(collected.stdout);
    expect(lines).toHaveLength(4);
    const byShard = new Map(
      lines.map((r) => [
        (r['tags'] as string[]).find((t) => t.startsWith('shard_index:')),
        r['exit_code'],
      ]),
    );
    expect(Object.fromEntries(byShard)).toEqual({
      'shard_index:0': '0',
      'shard_index:1': '0',
      'shard_index:2': '1',
      'shard_index:3': '0',
    });
    for (const r of lines) {
      expect(r['tags']).toContain('shard_count:4');
      expect(r['tags']).toContain(`shard_group:${group}`);
    }

    const withOutput = await drover('collect', '--shard-group', group!, '--output');
    expect(withOutput.code).toBe(1);
    expect(
      withOutput.stdout
        .split('\n')
        .filter((l) => l !== '')
        .sort(),
    ).toEqual(['[0] 0/4', '[1] 1/4', '[2] 2/4', '[3] 3/4']);

    const dir = join(work, 'shard-logs');
    const toFiles = await drover('collect', '--shard-group', group!, '--output-dir', dir);
    expect(toFiles.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([0, 1, 2, 3].map((i) => `shard-${i}.log`));
    expect(readFileSync(join(dir, 'shard-3.log'), 'utf8')).toBe('3/4\n');
  });

  it('submit --shards prints one id per line, the env and tags set per shard', async () => {
    const run = await drover(
      'submit',
      '-d',
      'pool=default',
      '--shards',
      '3',
      '--tag',
      'build:7',
      '--',
      'sh',
      '-c',
      'echo $DROVER_SHARD_INDEX of $DROVER_SHARD_COUNT',
    );
    expect(run.code).toBe(0);
    const ids = run.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const waited = await drover('wait', ...ids);
    expect(waited.code).toBe(0);
    for (const [i, id] of ids.entries()) {
      const logs = await drover('logs', id);
      expect(logs.stdout).toBe(`${i} of 3\n`);
    }
    const byTag = await drover('collect', '--tag', 'build:7', '--json');
    expect(byTag.code).toBe(0);
    expect(
      jsonLines(byTag.stdout)
        .map((r) => r['task_id'])
        .sort(),
    ).toEqual([...ids].sort());
  });
});

describe('drover collect: the merged exit code', () => {
  it('exits per the table for one KILLED and one NO_RESOURCE task, in the order given', async () => {
    const killed = await submit('--grace', '1', '--', 'sh', '-c', 'exec sleep 300');
    const noResource = await drover('submit', '-d', 'pool=nowhere', '--', 'true');
    expect(noResource.code).toBe(0);
    const nowhere = noResource.stdout.trim();
    await reached(killed, 'RUNNING');
    const collecting = drover('collect', killed, nowhere, '--json');
    expect((await drover('cancel', killed, '--kill')).code).toBe(0);
    const collected = await collecting;
    expect(collected.code).toBe(69);
    const lines = jsonLines(collected.stdout);
    expect(lines.map((r) => [r['task_id'], r['state']]).sort()).toEqual(
      [
        [killed, 'KILLED'],
        [nowhere, 'NO_RESOURCE'],
      ].sort(),
    );
    expect(collected.stderr).toContain(`${killed}: KILLED`);

    const reversed = await drover('collect', nowhere, killed);
    expect(reversed.code).toBe(70);
    expect(reversed.stdout).toBe('');
    expect(reversed.stderr).toContain(`${nowhere}: NO_RESOURCE`);
  });

  it('exits 2 for ids and --tag together, or neither', async () => {
    expect((await drover('collect')).code).toBe(2);
    expect((await drover('collect', 'abc', '--tag', 'k:v')).code).toBe(2);
  });

  it('exits 1 when no task carries the group', async () => {
    const run = await drover('collect', '--shard-group', 'feedfeedfeedfeed');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no task carries shard_group:feedfeedfeedfeed');
  });
});

describe('drover wait, logs -f, and signal deaths', () => {
  it('wait with several ids exits with the first failure in the order given', async () => {
    const ok = await submit('--', 'true');
    const four = await submit('--', 'sh', '-c', 'exit 4');
    const waited = await drover('wait', ok, four);
    expect(waited.code).toBe(4);
    expect(waited.stdout).toBe('');
    expect(waited.stderr).toMatch(new RegExp(`^${four}: COMPLETED exit 4 in `, 'm'));
    const json = await drover('wait', '--json', four, ok);
    expect(json.code).toBe(4);
    expect(
      jsonLines(json.stdout)
        .map((r) => r['task_id'])
        .sort(),
    ).toEqual([ok, four].sort());
  });

  it('wait shows the time since submission and, while PENDING, the matching bots', async () => {
    // A dimension no bot has, with --wait-for-capacity: the task stays PENDING until cancelled.
    const id = await submit('-d', 'gpu=h100', '--wait-for-capacity', '--', 'true');
    // The wait prints PENDING once it has counted the bots; cancel only after that line.
    let cancelled = false;
    const waited = await bins.drover(server, ['wait', id], (soFar) => {
      if (cancelled || !soFar.includes('PENDING')) return;
      cancelled = true;
      void drover('cancel', id);
    });
    expect(waited.code).toBe(68);
    expect(waited.stderr).toMatch(/^\[\+\d+\.\ds\] PENDING; no bot matches its dimensions$/m);
    expect(waited.stderr).toMatch(/^\[\+\d+\.\ds\] CANCELED/m);
  });

  it("logs -f streams the output and exits with the task's exit code", async () => {
    const id = await submit('--', 'sh', '-c', 'echo one; echo two; exit 5');
    const logs = await drover('logs', '-f', id);
    expect(logs.stdout).toBe('one\ntwo\n');
    expect(logs.code).toBe(5);
    expect((await drover('logs', id)).code).toBe(0);
  });

  it('shows a signal death as "killed by SIGTERM (exit -15)" and exits 128+15', async () => {
    const id = await submit('--', 'sh', '-c', 'kill -TERM $$');
    const waited = await drover('wait', id);
    expect(waited.code).toBe(143);
    expect(waited.stderr).toContain('COMPLETED killed by SIGTERM (exit -15)');
    const result = await drover('result', id);
    expect(result.stdout).toMatch(/^exit code +killed by SIGTERM \(exit -15\)$/m);
    const table = await drover('tasks', '--state', 'all', '--limit', '1000');
    expect(table.stdout).toMatch(new RegExp(`^${id} .*killed by SIGTERM \\(exit -15\\)`, 'm'));
  });
});

describe('drover run', () => {
  it("streams the output as is and exits with the task's exit code", async () => {
    const ran = await drover(
      'run',
      '-d',
      'pool=default',
      '--',
      'sh',
      '-c',
      'printf "a\\nb"; exit 3',
    );
    expect(ran.stdout).toBe('a\nb');
    expect(ran.code).toBe(3);
    expect(ran.stderr).toMatch(/^task [0-9a-f]{20}$/m);
  });

  /** `drover run` as a child process, Ctrl-C'd once its task's output says it runs. */
  async function interruptedRun(extra: string[]): Promise<{ code: number | null; id: string }> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '-d',
        'pool=default',
        '--grace',
        '1',
        ...extra,
        '--',
        'sh',
        '-c',
        'echo up; exec sleep 300',
      ],
      {
        cwd: work,
        env: { PATH: process.env['PATH'] ?? '', HOME: work, DROVER_SERVER: server },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.includes('up\n')) resolve();
      });
    });
    child.kill('SIGINT');
    const [code] = (await once(child, 'close')) as [number | null];
    const id = /^task ([0-9a-f]{20})$/m.exec(stderr)?.[1] ?? '';
    return { code, id };
  }

  it('cancels (kills) the running task on Ctrl-C and exits 69', async () => {
    const { code, id } = await interruptedRun([]);
    expect(code).toBe(69);
    expect((await client.getResult(id)).state).toBe('KILLED');
  });

  it('with --detach, leaves the task running on Ctrl-C and exits 130', async () => {
    const { code, id } = await interruptedRun(['--detach']);
    expect(code).toBe(130);
    expect((await client.getResult(id)).state).toBe('RUNNING');
    await client.cancelTask(id, true);
    await reached(id, 'KILLED');
  });
});
