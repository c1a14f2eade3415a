import type * as ChildProcessModule from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { currentBootId, groupRecordsDir, startTask } from '../src/index';
import { sh, tempDir, until, within } from './helpers';

/**
 * The runner records a task BEFORE it spawns the payload, so that a bot killed between the spawn
 * and its record of the group (a payload whose first command is `kill -9 $PPID`) still leaves the
 * next start the task's nonce to find the payload by. node:child_process's spawn is wrapped to
 * look at the bot dir at the very moment of the spawn (and then spawns for real).
 */

const spy = vi.hoisted(() => ({
  /** Called with the spawn's environment just before the real spawn; what the test saw. */
  atSpawn: undefined as ((env: NodeJS.ProcessEnv) => void) | undefined,
  /** Make the spawn throw (arguments spawn() refuses, say) instead of running anything. */
  throwAtSpawn: false,
}));

vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof ChildProcessModule>();
  const spawn = ((
    file: string,
    args: readonly string[],
    options: ChildProcessModule.SpawnOptions,
  ) => {
    spy.atSpawn?.(options.env ?? {});
    if (spy.throwAtSpawn) throw new Error('spawn refused by the test');
    return real.spawn(file, args, options);
  }) as typeof real.spawn;
  return { ...real, spawn, default: { ...real, spawn } };
});

let root: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  spy.atSpawn = undefined;
  spy.throwAtSpawn = false;
  await cleanup();
});

function run(botDir: string, script: string, onOutput: (b: Buffer) => void = () => {}) {
  return startTask({
    taskId: 't1',
    leaseId: 'l1',
    botId: 'bot-a',
    server: '127.0.0.1:9',
    botDir,
    baseEnv: { PATH: process.env.PATH },
    manifest: sh(script),
    onOutput,
  });
}

describe('the group record before the spawn', () => {
  it("is on disk when the payload is spawned: the task's nonce and the boot id, no pgid yet; completed with the group right after", async () => {
    const botDir = path.join(root, 'bot');
    const recordFile = path.join(groupRecordsDir(botDir), 't1');
    let atSpawn: { record: Record<string, unknown>; nonce: string | undefined } | undefined;
    spy.atSpawn = (env) => {
      atSpawn = {
        record: JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, unknown>,
        nonce: env.DROVER_TASK_NONCE,
      };
    };
    let output = '';
    const task = run(botDir, 'echo ready; sleep 1000', (b) => (output += b.toString()));
    await until('ready', () => output.includes('ready'));

    expect(atSpawn?.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(atSpawn?.record).toEqual({
      nonce: atSpawn?.nonce,
      ...(currentBootId() === undefined ? {} : { bootId: currentBootId() }),
    });
    // Completed right after the spawn, the same nonce kept.
    const completed = JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, unknown>;
    expect(completed).toMatchObject({ pgid: task.pid, nonce: atSpawn?.nonce });
    // Written whole and renamed into place: no temporary file left behind.
    expect(existsSync(`${recordFile}~`)).toBe(false);

    task.kill('test over');
    await within('task end', task.result);
    expect(existsSync(recordFile)).toBe(false);
  });

  it('is removed when the command cannot be started', async () => {
    const botDir = path.join(root, 'bot');
    let recordedAtSpawn = false;
    spy.atSpawn = () => (recordedAtSpawn = existsSync(path.join(groupRecordsDir(botDir), 't1')));
    const missing = startTask({
      taskId: 't1',
      leaseId: 'l1',
      botId: 'bot-a',
      server: '127.0.0.1:9',
      botDir,
      baseEnv: { PATH: process.env.PATH },
      manifest: { ...sh(''), command: ['drover-no-such-command-xyz'] },
      onOutput: () => {},
    });
    expect((await within('task end', missing.result)).clientError).toMatch(/ENOENT/);
    expect(recordedAtSpawn).toBe(true);
    expect(existsSync(path.join(groupRecordsDir(botDir), 't1'))).toBe(false);
  });

  it('is removed when the spawn throws', async () => {
    const botDir = path.join(root, 'bot');
    spy.throwAtSpawn = true;
    const result = await within('task end', run(botDir, 'true').result);
    expect(result.clientError).toMatch(/cannot run/);
    expect(existsSync(path.join(groupRecordsDir(botDir), 't1'))).toBe(false);
  });
});
