import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpareLaunches } from '../src/containment/spare-launch';
import { BotCgroups } from '../src/containment/task-cgroups';
import { startTask, type RunContainment, type RunResult } from '../src/runner';
import { manifest, tempDir, until, within } from './helpers';

/**
 * A payload started from a spare (containment/spare-launch.ts: a shell made ahead in a cgroup of
 * its own, which execs the command on Assign) is the payload the direct spawn makes: exactly the
 * task's environment, whatever its values hold, its cwd, stdin from /dev/null, its own cgroup
 * and process group; and a command that cannot run is still a CLIENT_ERROR, never an exit code.
 */

let root: string;
let cleanup: () => Promise<void>;
let cgroups: BotCgroups;
let spares: SpareLaunches;
let containment: RunContainment;
const botDir = () => path.join(root, 'bot');

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('drover-spare-'));
  mkdirSync(botDir(), { recursive: true });
  const setup = BotCgroups.setup({ botId: 'spare-launch', botDir: botDir(), env: {} });
  // The suite runs as root (CI does): a bot run by hand as root always has its cgroups.
  if (!setup.ok) throw new Error(`no cgroup for tasks on this machine: ${setup.why}`);
  cgroups = setup.cgroups;
  spares = new SpareLaunches(cgroups, botDir());
  expect(spares.available).toBe(true);
  containment = { kind: 'cgroup', cgroups, spares };
});

afterAll(async () => {
  spares.dispose();
  await cleanup();
});

async function run(
  taskId: string,
  command: string[],
  env: { key: string; value: string }[] = [],
  waitReady = true,
): Promise<{ result: RunResult; output: string }> {
  spares.prepare();
  if (waitReady) await until('a spare ready in its cgroup', () => spares.ready, 10_000);
  const chunks: Buffer[] = [];
  const task = startTask({
    taskId,
    leaseId: 'lease',
    botId: 'spare-launch',
    server: '127.0.0.1:9',
    botDir: botDir(),
    baseEnv: { PATH: process.env.PATH },
    manifest: manifest(command, { env }),
    onOutput: (b) => chunks.push(b),
    containment,
  });
  const result = await within(`${taskId}'s end`, task.result, 15_000);
  return { result, output: Buffer.concat(chunks).toString() };
}

describe('a payload started from a spare', () => {
  it('has exactly its environment, whatever the values hold', async () => {
    const tricky = `it's "quoted" $HOME \\ \`x\`\nsecond line *`;
    const { result, output } = await run(
      'spare-env',
      ['env', '-0'],
      [{ key: 'TRICKY', value: tricky }],
    );
    expect(result.exitCode).toBe(0);
    const env = new Map(
      output
        .split('\0')
        .filter((e) => e !== '')
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    expect(env.get('TRICKY')).toBe(tricky);
    expect(env.get('PATH')).toBe(process.env.PATH);
    expect(env.get('DROVER_TASK_ID')).toBe('spare-env');
    // Nothing of the shell the spare was: its PWD and OLDPWD are not the task's.
    expect(env.has('OLDPWD')).toBe(false);
    expect(env.has('PWD')).toBe(false);
  });

  it('runs in its cwd with /dev/null on stdin, leading a group and a cgroup of its own', async () => {
    const { result, output } = await run('spare-place', [
      'sh',
      '-c',
      'printf -- "--cwd %s\\n--stdin %s\\n--pgid %s %s\\n" "$(pwd -P)" "$(cat | wc -c)" "$$" "$(ps -o pgid= -p $$)"; cat /proc/self/cgroup',
    ]);
    expect(result.exitCode).toBe(0);
    expect(output).toContain(`--cwd ${path.join(botDir(), 'w', 'spare-place')}\n`);
    expect(output).toContain('--stdin 0\n');
    const pgid = /--pgid (\d+) +(\d+)/.exec(output);
    expect(pgid?.[1]).toBe(pgid?.[2]);
    expect(output).toMatch(/^0::.*\/tasks\/task-spare-[0-9a-f]+$/m);
  });

  it('waits for a spare still moving into its cgroup, and runs in it', async () => {
    spares.dispose();
    spares = new SpareLaunches(cgroups, botDir());
    containment = { kind: 'cgroup', cgroups, spares };
    const { result, output } = await run('spare-moving', ['cat', '/proc/self/cgroup'], [], false);
    expect(result.exitCode).toBe(0);
    expect(output).toMatch(/^0::.*\/tasks\/task-spare-[0-9a-f]+$/m);
  });

  it('ends CLIENT_ERROR for a command that does not exist, as the direct spawn does', async () => {
    const { result } = await run('spare-missing', ['no-such-command-drover-spare']);
    expect(result.exitCode).toBeNull();
    expect(result.clientError).toMatch(/no such file/);
  });

  it('leaves no spare behind once disposed', async () => {
    spares.prepare();
    await until('a spare ready in its cgroup', () => spares.ready, 10_000);
    expect(
      spareCgroups().map((dir) => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')),
    ).not.toEqual(['']);
    spares.dispose();
    await until('the spare and its cgroup gone', () => spareCgroups().length === 0, 10_000);
  });
});

/** The spares' cgroups under the bot's `tasks`. */
function spareCgroups(): string[] {
  return readdirSync(cgroups.tasksDir)
    .filter((n) => n.startsWith('task-spare-'))
    .map((n) => path.join(cgroups.tasksDir, n));
}
