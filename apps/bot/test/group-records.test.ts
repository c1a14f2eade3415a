import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  groupRecordsDir,
  isProcessRunning,
  killLeftoverGroups,
  processStartTicks,
  recordGroup,
  recordTaskStart,
  startTask,
} from '../src/index';
import { sh, tempDir, until, within } from './helpers';

/** The on-disk record of running process groups, and the start-up kill of what a crash left. */

let root: string;
let cleanup: () => Promise<void>;
const spawned: number[] = [];

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await cleanup();
});

/** A detached group: a shell leading it and a grandchild; resolves with both pids. */
async function detachedGroup(): Promise<{ leader: number; grandchild: number }> {
  const child = spawn('sh', ['-c', 'sleep 1000 & echo $!; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const leader = child.pid!;
  spawned.push(leader);
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  await until('the grandchild pid', () => text.includes('\n'));
  return { leader, grandchild: Number(text.trim()) };
}

describe('group records', () => {
  it('kills every member of a recorded group at start-up, and drop the record', async () => {
    const { leader, grandchild } = await detachedGroup();
    expect(recordGroup(root, 't1', leader)).toBe(true);
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'killed', taskId: 't1', pgid: leader, survivors: [] }),
    ]);
    await until(
      'the group is gone',
      () => !isProcessRunning(leader) && !isProcessRunning(grandchild),
    );
    expect(await readdir(groupRecordsDir(root))).toEqual([]);
  });

  it('leaves alone a group whose leader pid now names a process started at another time', async () => {
    const { leader, grandchild } = await detachedGroup();
    const startTicks = processStartTicks(leader);
    expect(startTicks).toBeGreaterThan(0);
    await mkdir(groupRecordsDir(root), { recursive: true });
    await writeFile(
      path.join(groupRecordsDir(root), 'old'),
      JSON.stringify({ pgid: leader, startTicks: startTicks! - 1 }),
    );
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'skipped', taskId: 'old' })]);
    expect(isProcessRunning(leader)).toBe(true);
    expect(isProcessRunning(grandchild)).toBe(true);
  });

  it('ignores a record from another boot and one that cannot be read', async () => {
    const { leader } = await detachedGroup();
    recordGroup(root, 'keep', leader);
    const record = JSON.parse(
      await readFile(path.join(groupRecordsDir(root), 'keep'), 'utf8'),
    ) as Record<string, unknown>;
    await writeFile(
      path.join(groupRecordsDir(root), 'keep'),
      JSON.stringify({ ...record, bootId: 'another-boot' }),
    );
    await writeFile(path.join(groupRecordsDir(root), 'junk'), 'not json');
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes.map((o) => o.kind)).toEqual(['skipped', 'skipped']);
    expect(isProcessRunning(leader)).toBe(true);
    expect(await readdir(groupRecordsDir(root))).toEqual([]);
  });

  it('kills the processes carrying the recorded nonce, even when the group itself is skipped', async () => {
    const nonce = 'ab'.repeat(16);
    const escaped = spawn('sleep', ['1000'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, DROVER_TASK_NONCE: nonce },
    });
    spawned.push(escaped.pid!);
    await until('the escaped process runs', () => isProcessRunning(escaped.pid!));
    const { leader } = await detachedGroup();
    await mkdir(groupRecordsDir(root), { recursive: true });
    await writeFile(
      path.join(groupRecordsDir(root), 't1'),
      JSON.stringify({ pgid: leader, startTicks: processStartTicks(leader)! - 1, nonce }),
    );
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'skipped', taskId: 't1', escaped: [escaped.pid] }),
    ]);
    await until('the escaped process is gone', () => !isProcessRunning(escaped.pid!));
    expect(isProcessRunning(leader)).toBe(true);
  });

  it('kills, for a record written before the spawn (no pgid: the bot died first), every process carrying its nonce', async () => {
    const nonce = 'cd'.repeat(16);
    // The payload's own detached group, as the runner spawns it, with a child: nothing else
    // names them once the bot died before recording the group.
    const payload = spawn('sh', ['-c', 'sleep 1000 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { PATH: process.env.PATH, DROVER_TASK_NONCE: nonce },
    });
    spawned.push(payload.pid!);
    let text = '';
    payload.stdout.on('data', (b: Buffer) => (text += b.toString()));
    await until('the child pid', () => text.includes('\n'));
    const child = Number(text.trim());
    const other = await detachedGroup(); // no nonce: not the task's

    expect(recordTaskStart(root, 't1', nonce)).toBe(true);
    const record = JSON.parse(
      await readFile(path.join(groupRecordsDir(root), 't1'), 'utf8'),
    ) as Record<string, unknown>;
    expect(record.pgid).toBeUndefined();
    expect(record.nonce).toBe(nonce);

    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([{ kind: 'no-group', taskId: 't1', escaped: expect.any(Array) }]);
    expect([...outcomes[0]!.escaped].sort()).toEqual([payload.pid, child].sort());
    await until(
      'the payload is gone',
      () => !isProcessRunning(payload.pid!) && !isProcessRunning(child),
    );
    expect(isProcessRunning(other.leader)).toBe(true);
    expect(await readdir(groupRecordsDir(root))).toEqual([]);
  });

  it('signals nothing for a record from another boot, nonce or not', async () => {
    const nonce = 'ef'.repeat(16);
    const carrier = spawn('sleep', ['1000'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, DROVER_TASK_NONCE: nonce },
    });
    spawned.push(carrier.pid!);
    await until('the carrier runs', () => isProcessRunning(carrier.pid!));
    await mkdir(groupRecordsDir(root), { recursive: true });
    await writeFile(
      path.join(groupRecordsDir(root), 't1'),
      JSON.stringify({ nonce, bootId: 'another-boot' }),
    );
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([
      { kind: 'skipped', taskId: 't1', why: 'recorded before a reboot', escaped: [] },
    ]);
    expect(isProcessRunning(carrier.pid!)).toBe(true);
    expect(await readdir(groupRecordsDir(root))).toEqual([]);
  });

  it('drops a half-written record (the `~` file) and a record with neither pgid nor nonce', async () => {
    const { leader } = await detachedGroup();
    await mkdir(groupRecordsDir(root), { recursive: true });
    await writeFile(path.join(groupRecordsDir(root), 't1~'), JSON.stringify({ pgid: leader }));
    await writeFile(path.join(groupRecordsDir(root), 't2'), JSON.stringify({ bootId: 'b' }));
    const outcomes = await killLeftoverGroups(root);
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'skipped', taskId: 't2', why: 'unreadable record' }),
    ]);
    expect(isProcessRunning(leader)).toBe(true);
    expect(await readdir(groupRecordsDir(root))).toEqual([]);
  });

  it('the runner records the group while the task runs and removes the record after', async () => {
    const botDir = path.join(root, 'bot');
    let output = '';
    const run = startTask({
      taskId: 't1',
      leaseId: 'l1',
      botId: 'bot-a',
      server: '127.0.0.1:9',
      botDir,
      baseEnv: { PATH: process.env.PATH },
      manifest: sh('echo ready; sleep 1000'),
      onOutput: (b) => (output += b.toString()),
    });
    await until('ready', () => output.includes('ready'));
    const record = JSON.parse(await readFile(path.join(groupRecordsDir(botDir), 't1'), 'utf8')) as {
      pgid: number;
      startTicks?: number;
      nonce?: string;
    };
    expect(record.pgid).toBe(run.pid);
    expect(record.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(record.startTicks).toBe(processStartTicks(run.pid!));
    run.kill('test over');
    await within('task end', run.result);
    expect(existsSync(path.join(groupRecordsDir(botDir), 't1'))).toBe(false);
  });
});
