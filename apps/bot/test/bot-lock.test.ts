import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireBotLock, botLockPath, isProcessRunning, processStartTicks } from '../src/index';
import { tempDir, until } from './helpers';

/** `<botDir>/bot.lock` in-process; bot-process-limits.test.ts runs two real bots on one dir. */

let root: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await cleanup();
});

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

async function writeLock(text: string): Promise<void> {
  await writeFile(botLockPath(root), text);
}

function acquired(outcome: ReturnType<typeof acquireBotLock>) {
  if (outcome.kind !== 'acquired') throw new Error(`expected the lock, got ${outcome.kind}`);
  return outcome;
}

describe('bot dir lock', () => {
  it('is created with this pid on its first line and removed by release()', async () => {
    const lock = acquired(acquireBotLock(root));
    expect(lock.tookOver).toBeUndefined();
    const [first, second] = (await readFile(lock.path, 'utf8')).split('\n');
    expect(first).toBe(String(process.pid));
    expect(second).toMatch(/^\d+ \S+$/);
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(await readdir(root)).toEqual([]);
  });

  it('is refused while a running process holds it', async () => {
    const holder = sleeper();
    await until('holder runs', () => isProcessRunning(holder.pid!));
    await writeLock(`${holder.pid}\n${processStartTicks(holder.pid!)} -\n`);
    expect(acquireBotLock(root)).toEqual({
      kind: 'held',
      path: botLockPath(root),
      pid: holder.pid,
    });
    expect(await readFile(botLockPath(root), 'utf8')).toMatch(new RegExp(`^${holder.pid}\n`));
  });

  it('takes over a lock whose pid is dead', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeLock(`${dead.pid}\n`);
    const lock = acquired(acquireBotLock(root));
    expect(lock.tookOver).toEqual({ pid: dead.pid, why: `pid ${dead.pid} is not running` });
    expect(await readFile(lock.path, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
    lock.release();
  });

  it('takes over a lock whose pid is a zombie', async () => {
    // The shell execs into a sleep that never reaps its child: once it exits, a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 1000'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(parent);
    let text = '';
    parent.stdout.on('data', (b: Buffer) => (text += b.toString()));
    await until('the zombie pid', () => text.includes('\n'));
    const zombie = Number(text.trim());
    await until('it is a zombie', async () =>
      /\) Z /.test(await readFile(`/proc/${zombie}/stat`, 'utf8').catch(() => '')),
    );
    await writeLock(`${zombie}\n`);
    expect(acquired(acquireBotLock(root)).tookOver).toEqual({
      pid: zombie,
      why: `pid ${zombie} is not running`,
    });
  });

  it('takes over a lock whose pid now names a process started at another time', async () => {
    const other = sleeper();
    await until('it runs', () => isProcessRunning(other.pid!));
    await writeLock(`${other.pid}\n${processStartTicks(other.pid!)! - 1} -\n`);
    expect(acquired(acquireBotLock(root)).tookOver?.why).toBe(
      `pid ${other.pid} now names another process`,
    );
  });

  it('takes over a lock naming this very process (a container restarted with the same pid) or nothing readable', async () => {
    await writeLock(`${process.pid}\n`);
    expect(acquired(acquireBotLock(root)).tookOver?.why).toBe(`pid ${process.pid} is this process`);
    await writeLock('garbage');
    expect(acquired(acquireBotLock(root)).tookOver?.why).toBe('unreadable lock');
  });

  it('release() leaves alone a lock another bot holds by then', async () => {
    const lock = acquired(acquireBotLock(root));
    const other = sleeper();
    await writeLock(`${other.pid}\n`);
    lock.release();
    expect(await readFile(path.join(root, 'bot.lock'), 'utf8')).toBe(`${other.pid}\n`);
  });
});
