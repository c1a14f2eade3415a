import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capabilitySet } from '../src/task-user';
import {
  isProcessRunning,
  startTask,
  type RunResult,
  type RunTaskOptions,
  type TaskRun,
} from '../src/index';
import { blockedOnWrite, manifest, sh, tempDir, until, within } from './helpers';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

interface Started {
  run: TaskRun;
  output: () => string;
  done: Promise<RunResult>;
}

function start(over: Partial<RunTaskOptions> & Pick<RunTaskOptions, 'manifest'>): Started {
  const chunks: Buffer[] = [];
  const run = startTask({
    taskId: 't1',
    leaseId: 'l1',
    botId: 'bot-a',
    server: '127.0.0.1:9',
    botDir: path.join(root, 'bot'),
    baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
    onOutput: (b) => chunks.push(b),
    ...over,
  });
  const output = () => Buffer.concat(chunks).toString('utf8');
  return { run, output, done: within('task result', run.result, 10_000) };
}

/** The pids the payload wrote to `file` (`count` of them), once it said "ready". */
async function escapedPids(file: string, t: Started, count = 2): Promise<number[]> {
  await until('payload ready', () => t.output().includes('ready'));
  await until(`${count} pids`, async () => (await pidsIn(file).catch(() => [])).length === count);
  const pids = await pidsIn(file);
  for (const pid of pids) expect(isProcessRunning(pid)).toBe(true);
  return pids;
}

async function pidsIn(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

describe('runner', () => {
  it('reports the exit code and the output of the payload', async () => {
    const t = start({ manifest: sh('echo hi; exit 3') });
    const r = await t.done;
    expect(r).toMatchObject({
      exitCode: 3,
      timedOut: 'none',
      killed: false,
      canceled: false,
      outputSize: 3,
    });
    expect(r.clientError).toBeUndefined();
    expect(t.output()).toBe('hi\n');
  });

  it('captures stdout and stderr into one stream, in order of arrival', async () => {
    const t = start({ manifest: sh('echo out; sleep 0.05; echo err >&2; sleep 0.05; echo out2') });
    const r = await t.done;
    expect(r.exitCode).toBe(0);
    expect(t.output()).toBe('out\nerr\nout2\n');
  });

  it('gives the payload the task env, secret env and DROVER_* variables', async () => {
    const t = start({
      baseEnv: { PATH: process.env.PATH, GONE: 'base', KEPT: 'base' },
      manifest: sh(
        'printf "%s|%s|%s|%s|%s|%s|%s" "$DROVER_TASK_ID" "$DROVER_BOT_ID" "$DROVER_SERVER" "$FOO" "$SECRET" "${GONE-unset}" "$KEPT"',
        {
          env: [
            { key: 'FOO', value: 'bar' },
            { key: 'GONE', value: '' },
          ],
          secret_env: [{ key: 'SECRET', value: 's3cret' }],
        },
      ),
    });
    await t.done;
    expect(t.output()).toBe('t1|bot-a|127.0.0.1:9|bar|s3cret|unset|base');
  });

  it('prepends env_prefixes inside the work dir', async () => {
    const t = start({
      baseEnv: { PATH: '/usr/bin:/bin' },
      manifest: sh('printf "%s" "$PATH"', { env_prefixes: [{ key: 'PATH', value: ['bin'] }] }),
    });
    await t.done;
    expect(t.output()).toBe(`${path.join(root, 'bot', 'w', 't1', 'bin')}:/usr/bin:/bin`);
  });

  it('runs every task in a fresh work dir and removes it afterwards', async () => {
    const first = start({ manifest: sh('echo left > left.txt; pwd') });
    expect((await first.done).exitCode).toBe(0);
    expect(first.output().trim()).toBe(path.join(root, 'bot', 'w', 't1'));
    expect(existsSync(path.join(root, 'bot', 'w', 't1'))).toBe(false);

    const second = start({ manifest: sh('ls -A; test ! -e left.txt') });
    const r = await second.done;
    expect(r.exitCode).toBe(0);
    expect(second.output()).toBe('');
  });

  it('runs in relative_cwd under the work dir', async () => {
    const t = start({ manifest: sh('pwd', { relative_cwd: 'sub/dir' }) });
    expect((await t.done).exitCode).toBe(0);
    expect(t.output().trim()).toBe(path.join(root, 'bot', 'w', 't1', 'sub', 'dir'));
  });

  it.each(['../escape', '/etc', 'a/../../b'])(
    'refuses relative_cwd %s as a client error without a process',
    async (cwd) => {
      const marker = path.join(root, 'ran');
      const t = start({ manifest: sh(`touch ${marker}`, { relative_cwd: cwd }) });
      const r = await t.done;
      expect(r.clientError).toMatch(/relative_cwd/);
      expect(r).toMatchObject({ exitCode: null, outputSize: 0, killed: false, canceled: false });
      expect(t.run.pid).toBeUndefined();
      expect(existsSync(marker)).toBe(false);
    },
  );

  it('never forks a payload itself while the bot holds ambient capabilities: the task fails, nothing runs', async () => {
    // The payload would keep them (CAP_SETUID: it could make itself root); only the fork server,
    // which clears them, may start it (fork-server.test.ts).
    const marker = path.join(root, 'ran');
    const t = start({ manifest: sh(`touch ${marker}`), ambientCapabilities: true });
    const r = await t.done;
    expect(r.exitCode).toBe(126);
    expect(t.output()).toMatch(
      /ambient capabilities .* fork server, which drops them, is not running/,
    );
    expect(t.run.pid).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    const status = 'Uid:\t1000\nCapEff:\t00000000000000c0\nCapAmb:\t00000000000000c0\n';
    expect(capabilitySet(status, 'CapAmb')).toBe(0xc0n);
    expect(capabilitySet('CapAmb:\t0000000000000000\n', 'CapAmb')).toBe(0n);
    expect(capabilitySet('', 'CapAmb')).toBe(0n);
  });

  it('refuses an empty command as a client error', async () => {
    const r = await start({ manifest: manifest([]) }).done;
    expect(r.clientError).toMatch(/command/);
  });

  it('reports a command that is not found as a client error saying so, with no exit code', async () => {
    const t = start({ manifest: manifest(['/nonexistent/drover-no-such-command', 'x']) });
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: null, killed: false, timedOut: 'none', outputSize: 0 });
    expect(r.clientError).toMatch(
      /cannot run "\/nonexistent\/drover-no-such-command": .*command not found.*\(ENOENT\)/,
    );
    expect(t.output()).toBe('');
  });

  it('reports a command that cannot be executed (a directory) as a client error (EACCES)', async () => {
    const t = start({ manifest: manifest([root]) });
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: null, killed: false, timedOut: 'none', outputSize: 0 });
    expect(r.clientError).toMatch(/cannot run ".*": .*\(EACCES\)/);
  });

  it('reports a command line too long for exec as a client error (E2BIG)', async () => {
    // 64 arguments of 64 KiB: each fits MAX_ARG_STRLEN, together past the usual 2 MiB ARG_MAX
    // and past what the coordinator accepts (which is why only a bot-side test can send it).
    const big = 'x'.repeat(64 * 1024);
    const t = start({ manifest: manifest(['true', ...Array.from({ length: 64 }, () => big)]) });
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: null, outputSize: 0 });
    expect(r.clientError).toMatch(/cannot run "true": argument list too long.*\(E2BIG\)/);
  });

  it('reports arguments that cannot be passed (a NUL byte) as a client error without a process', async () => {
    const t = start({ manifest: manifest(['echo', 'a\0b']) });
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: null, killed: false, timedOut: 'none' });
    expect(t.run.pid).toBeUndefined();
    expect(r.clientError).toMatch(/cannot run "echo"/);
    expect(existsSync(path.join(root, 'bot', 'groups', 't1'))).toBe(false);
  });

  it('gives the payload exactly the environment built for it, nothing of the bot', async () => {
    const t = start({
      baseEnv: { PATH: process.env.PATH },
      manifest: sh('env | cut -d= -f1 | sort'),
    });
    expect((await t.done).exitCode).toBe(0);
    const names = t.output().trim().split('\n');
    expect(names).not.toContain('HOME');
    expect(names).toEqual(expect.arrayContaining(['PATH', 'DROVER_TASK_ID', 'DROVER_TASK_NONCE']));
  });

  it('runs the payload as the leader of its own process group, stdin empty', async () => {
    const t = start({ manifest: sh('ps -o pgid= -p $$; cat; echo end') });
    const r = await t.done;
    expect(r.exitCode).toBe(0);
    expect(t.output().trim().split(/\s+/)).toEqual([String(t.run.pid), 'end']);
  });

  it('enforces the execution timeout with the dance and leaves nothing of the group', async () => {
    const pidFile = path.join(root, 'pids');
    const t = start({
      executionTimeoutMs: 400,
      graceMs: 200,
      manifest: sh(
        `trap '' TERM; sleep 1000 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; echo ready; wait; wait`,
      ),
    });
    const r = await t.done;
    expect(r).toMatchObject({ timedOut: 'hard', killed: false, exitCode: -9 });
    expect(t.output()).toBe('ready\n');
    const pids = await pidsIn(pidFile);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isProcessRunning(pid)).toBe(false);
  });

  it('sweeps grandchildren left in the group after a normal exit', async () => {
    const pidFile = path.join(root, 'pids');
    const t = start({ manifest: sh(`sleep 1000 & echo $! > ${pidFile}; exit 0`) });
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: 0, timedOut: 'none' });
    const [grandchild] = await pidsIn(pidFile);
    expect(grandchild).toBeDefined();
    expect(isProcessRunning(grandchild!)).toBe(false);
  });

  it('does not wait forever for a descendant that left the group, cleared its env and holds the output pipe', async () => {
    const pidFile = path.join(root, 'pids');
    const t = start({
      drainMs: 200,
      // Without DROVER_TASK_NONCE nothing can tell it is the task's: it outlives the sweeps.
      manifest: sh(
        `setsid env -i "$(command -v sleep)" 1000 & echo $! > ${pidFile}; echo parent done`,
      ),
    });
    try {
      const r = await t.done;
      // Whether the sweep caught it before `env -i` cleared its environment is a race; what
      // matters is that the task ends and reports.
      expect(r).toMatchObject({ exitCode: 0, timedOut: 'none' });
      expect(t.output()).toBe('parent done\n');
    } finally {
      for (const pid of await pidsIn(pidFile)) process.kill(pid, 'SIGKILL');
    }
  });

  it('after a timeout, SIGKILLs the processes that left the group (setsid) and ignore TERM', async () => {
    const pidFile = path.join(root, 'pids');
    const t = start({
      executionTimeoutMs: 300,
      graceMs: 100,
      manifest: sh(
        `setsid sh -c 'trap "" TERM; sleep 300 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait' & ` +
          `while [ "$(wc -l < ${pidFile} 2>/dev/null)" != 2 ]; do sleep 0.01; done; echo ready; sleep 1000`,
      ),
    });
    const escaped = await escapedPids(pidFile, t);
    const r = await t.done;
    expect(r).toMatchObject({ timedOut: 'hard', exitCode: -15 });
    expect([...(r.escapedKilled ?? [])].sort()).toEqual([...escaped].sort());
    for (const pid of escaped) expect(isProcessRunning(pid)).toBe(false);
  });

  it('after a normal end, SIGKILLs the processes that left the group, so their pipes close at once', async () => {
    const pidFile = path.join(root, 'pids');
    const t = start({
      drainMs: 5_000,
      manifest: sh(
        `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 1000' & ` +
          `while [ ! -s ${pidFile} ]; do sleep 0.01; done; echo done`,
      ),
    });
    const startedMs = Date.now();
    const r = await t.done;
    // Not the 5 s the runner gives pipes held open by something it cannot find.
    expect(Date.now() - startedMs).toBeLessThan(4_000);
    expect(r).toMatchObject({ exitCode: 0, timedOut: 'none', killed: false });
    const [escaped] = await pidsIn(pidFile);
    expect(r.escapedKilled).toEqual([escaped]);
    expect(isProcessRunning(escaped!)).toBe(false);
    expect(t.output()).toBe('done\n');
  });

  it('kill(): a payload handling TERM runs its cleanup within the grace period; what left the group is killed after', async () => {
    const pidFile = path.join(root, 'pids');
    const mark = path.join(root, 'cleaned');
    const t = start({
      graceMs: 5_000,
      manifest: sh(
        `trap 'echo cleanup > ${mark}; exit 0' TERM; ` +
          `setsid sh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 0.05; done' & ` +
          `echo ready; while :; do sleep 0.05; done`,
      ),
    });
    const [escaped] = await escapedPids(pidFile, t, 1);
    t.run.kill('test');
    const r = await t.done;
    expect(r).toMatchObject({ killed: true, exitCode: 0 });
    expect(r.durationSecs).toBeLessThan(5);
    expect(await readFile(mark, 'utf8')).toBe('cleanup\n');
    expect(r.escapedKilled).toContain(escaped);
    expect(isProcessRunning(escaped!)).toBe(false);
  });

  it('gives every task its own unguessable DROVER_TASK_NONCE', async () => {
    const nonces: string[] = [];
    for (const taskId of ['n1', 'n2']) {
      const t = start({ taskId, manifest: sh('printf "%s" "$DROVER_TASK_NONCE"') });
      await t.done;
      nonces.push(t.output());
    }
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('delivers at most maxOutputBytes, reads and drops the rest, and ends with a line saying so', async () => {
    const cap = 64 * 1024;
    const t = start({
      maxOutputBytes: cap,
      manifest: sh('head -c 1000000 /dev/zero | tr "\\0" x; echo " after"'),
    });
    const r = await t.done;
    const marker = `\n[drover: output truncated: ${1_000_007 - cap} bytes dropped past the 64 KiB cap]\n`;
    expect(r).toMatchObject({
      exitCode: 0,
      outputSize: cap + marker.length,
      outputDropped: 1_000_007 - cap,
    });
    expect(t.output()).toBe('x'.repeat(cap) + marker);
  });

  it('pauseOutput() blocks the payload on write without counting as I/O silence; resumeOutput() lets it finish', async () => {
    let pauseAfterFirst = true;
    const t = start({
      ioTimeoutMs: 200,
      manifest: sh('exec head -c 2000000 /dev/zero'),
      onOutput: (b) => {
        bytes += b.length;
        if (pauseAfterFirst) {
          pauseAfterFirst = false;
          t.run.pauseOutput();
        }
      },
    });
    let bytes = 0;
    await until('the first output, then the payload blocked on write', () => {
      return bytes > 0 && blockedOnWrite(t.run.pid);
    });
    const seen = bytes;
    expect(seen).toBeLessThanOrEqual(64 * 1024);
    // Blocked for longer than the I/O timeout: still not timed out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bytes).toBe(seen);
    expect(blockedOnWrite(t.run.pid)).toBe(true);
    t.run.resumeOutput();
    const r = await t.done;
    expect(r).toMatchObject({ exitCode: 0, timedOut: 'none', outputSize: 2_000_000 });
    expect(bytes).toBe(2_000_000);
  });

  it('enforces the I/O timeout', async () => {
    const t = start({ ioTimeoutMs: 300, graceMs: 200, manifest: sh('echo start; sleep 1000') });
    const r = await t.done;
    expect(r).toMatchObject({ timedOut: 'io', killed: false });
    expect(r.exitCode).toBe(-15);
    expect(t.output()).toBe('start\n');
  });

  it('does not time out on I/O while output keeps coming', async () => {
    const t = start({
      ioTimeoutMs: 400,
      manifest: sh('for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done'),
    });
    const r = await t.done;
    expect(r).toMatchObject({ timedOut: 'none', exitCode: 0 });
  });

  it('kill() runs the dance: a payload trapping TERM cleans up within the grace period', async () => {
    const mark = path.join(root, 'cleaned');
    const t = start({
      graceMs: 5_000,
      manifest: sh(`trap 'echo cleanup > ${mark}; exit 0' TERM; sleep 1000 & echo ready; wait`),
    });
    await until('payload ready', () => t.output().includes('ready'));
    t.run.kill('test');
    t.run.kill('again');
    const r = await t.done;
    expect(r).toMatchObject({ killed: true, canceled: false, timedOut: 'none', exitCode: 0 });
    expect(r.durationSecs).toBeLessThan(5);
    expect(await readFile(mark, 'utf8')).toBe('cleanup\n');
  });

  it('kill() SIGKILLs a payload that ignores TERM once the grace period is over', async () => {
    const t = start({
      graceMs: 200,
      manifest: sh(`trap '' TERM; echo ready; while :; do sleep 0.05; done`),
    });
    await until('payload ready', () => t.output().includes('ready'));
    t.run.kill('test');
    const r = await t.done;
    expect(r).toMatchObject({ killed: true, exitCode: -9 });
    expect(isProcessRunning(t.run.pid!)).toBe(false);
  });

  it('kill() before the process started cancels the task without a process', async () => {
    const marker = path.join(root, 'ran');
    // A work dir left over under the same name: the runner removes it (asynchronously) first,
    // so the spawn is still ahead when kill() comes.
    await mkdir(path.join(root, 'bot', 'w', 't1', 'old'), { recursive: true });
    const t = start({ manifest: sh(`touch ${marker}`) });
    expect(t.run.pid).toBeUndefined();
    t.run.kill('early');
    const r = await t.done;
    expect(r).toMatchObject({ canceled: true, killed: true, exitCode: null, outputSize: 0 });
    expect(t.run.pid).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });

  it('spawns within startTask when the work dir is new: a kill() right after stops the process', async () => {
    const t = start({ manifest: sh('sleep 1000') });
    expect(t.run.pid).toBeGreaterThan(0);
    t.run.kill('right away');
    const r = await t.done;
    expect(r).toMatchObject({ canceled: false, killed: true, exitCode: -15 });
    expect(isProcessRunning(t.run.pid ?? 0)).toBe(false);
  });

  it('resolves ended with the result before the work dir is removed, result after', async () => {
    const t = start({ manifest: sh('echo hi') });
    const ended = await within('ended', t.run.ended);
    expect(ended).toMatchObject({ exitCode: 0, outputSize: 3 });
    expect(await t.done).toEqual(ended);
    expect(existsSync(path.join(root, 'bot', 'w', 't1'))).toBe(false);
  });

  it('kill() after the process ended changes nothing', async () => {
    const t = start({ manifest: sh('exit 0') });
    const r = await t.done;
    t.run.kill('late');
    expect(r).toMatchObject({ killed: false, exitCode: 0 });
    expect(await readdir(path.join(root, 'bot', 'w'))).toEqual([]);
  });
});
