import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isProcessRunning } from '../src/index';
import { useBotProcesses } from './bot-process-harness';
import { sh, until, within } from './helpers';

/** The drover-bot executable as a real child process, against a real gRPC server. */

const h = useBotProcesses();
const startBot = (args: string[]) => h.start(args).run;
const botArgs = (...extra: string[]) => h.args(...extra);

describe('drover-bot process', () => {
  it('exits 2 naming an unknown flag', async () => {
    const r = await within('bot exit', startBot(['--bogus']), 15_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--bogus/);
  });

  it('exits 2 when it has no token', async () => {
    const r = await within('bot exit', startBot(['--data-dir', h.root]), 15_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no bot token/);
  });

  it('exits 3 when the coordinator refuses it', async () => {
    const run = startBot(botArgs());
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.fail(grpc.status.UNAUTHENTICATED, 'unknown token');
    const r = await within('bot exit', run, 15_000);
    expect(r.exitCode).toBe(3);
    expect(h.coordinator.streams).toHaveLength(1);
  });

  it('with --once runs one task, logs "bot ready", and exits 0 once its result is acknowledged', async () => {
    const run = startBot(botArgs('--once'));
    const stream = await h.coordinator.stream(0, 15_000);
    const hello = await stream.take('hello');
    expect(hello.bot_id).toBe('bot-p');
    expect(hello.dimensions.map((d) => d.key)).toEqual([
      'containment',
      'cores',
      'cpu',
      'gpu',
      'id',
      'os',
      'pool',
      'ram_gib',
      'task_user',
    ]);
    // Run by hand as root (the suite is): a cgroup per task, payloads as root like the bot.
    const dim = (key: string) => hello.dimensions.find((d) => d.key === key)?.value;
    expect(dim('containment')).toEqual(['cgroup']);
    expect(dim('task_user')).toEqual(['shared']);
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        manifest: sh('printf "%s %s" "$DROVER_BOT_ID" "${DROVER_BOT_TOKEN-none}"'),
      },
    });
    expect(await stream.take('task_finished')).toMatchObject({ exit_code: 0 });
    // Right after the Assign, ahead of the result: it takes no more tasks.
    const kinds = stream.received.map((m) => m.msg);
    const heartbeat = kinds.indexOf('heartbeat', kinds.indexOf('task_started'));
    expect(stream.received[heartbeat]?.heartbeat?.state?.quarantined_reason).toBe(
      '--once: one task only',
    );
    expect(heartbeat).toBeLessThan(kinds.indexOf('task_finished'));
    expect((await stream.outputUntil('t1', 'bot-p')).map((p) => p.data).join('')).toBe(
      'bot-p none',
    );
    stream.send({ ack: { task_id: 't1', lease_id: 'l1', output_offset: 10, finished: true } });
    const r = await within('bot exit', run, 15_000);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/"msg":"bot ready"/);
    expect(r.stderr).not.toMatch(/tok"/);
  });

  it('after a crash (kill -9), its payload dies with it, the next start takes the stale lock over', async () => {
    const pidFile = path.join(h.root, 'payload.pid');
    const first = h.start(botArgs());
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        // A grandchild out of the payload's group and environment: only the cgroup holds it.
        manifest: sh(
          `env -i setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}; echo ready; wait`,
        ),
      },
    });
    await stream.outputUntil('t1', 'ready');
    const payloadPid = Number((await readFile(pidFile, 'utf8')).trim());
    try {
      first.run.kill('SIGKILL');
      await first.run;
      // The bot's watchdog kills its task cgroups the moment the bot is gone, then removes the
      // subtree the bot made for itself (run by hand).
      await until('the payload gone with its bot', () => !isProcessRunning(payloadPid), 2_000);
      const tasksDir = /"msg":"a cgroup v2 per task"/.test(first.stderr())
        ? /"tasks":"([^"]+)"/.exec(first.stderr())?.[1]
        : undefined;
      expect(tasksDir).toBeDefined();
      await until('the bot subtree removed', () => !existsSync(path.dirname(tasksDir!)), 6_000);

      const second = h.start(botArgs());
      const again = await h.coordinator.stream(1, 15_000);
      expect((await again.take('hello')).running).toEqual([]);
      again.welcome();
      await second.logged('bot ready', 15_000);
      expect(second.stderr()).toMatch(/"msg":"took over a stale bot dir lock"/);
      expect(second.stderr()).toMatch(/"why":"pid \d+ is not running"/);
    } finally {
      try {
        process.kill(payloadPid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });

  it('a payload that kills its bot the instant it was spawned dies with it', async () => {
    const marker = `drover-instant-${process.pid}-${Date.now()}`;
    const first = h.start(botArgs());
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        manifest: sh(`${BOT_PID} kill -9 $bot; exec -a ${marker} sleep 1000`, {}),
      },
    });
    expect((await within('the bot dies', first.run, 15_000)).signal).toBe('SIGKILL');
    await until('no process of the task left', () => !processWithArgv(marker), 2_000);
  });
});

/**
 * Without cgroups (--containment pgroup) a bot killed with SIGKILL cannot take its payloads along:
 * the next start kills them, by the records of their groups and nonces.
 */
describe('drover-bot process without cgroups', () => {
  it('after a crash (kill -9), the next start takes the stale lock over and kills the payload the dead bot left running', async () => {
    const pidFile = path.join(h.root, 'payload.pid');
    const first = startBot(botArgs('--containment', 'pgroup'));
    const stream = await h.coordinator.stream(0, 15_000);
    const hello = await stream.take('hello');
    expect(hello.dimensions.find((d) => d.key === 'containment')?.value).toEqual(['pgroup']);
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        // A grandchild in the payload's group: what the dead bot's runner can no longer sweep.
        manifest: sh(`sleep 1000 & echo $! > ${pidFile}; echo ready; wait`),
      },
    });
    await stream.outputUntil('t1', 'ready');
    const payloadPid = Number((await readFile(pidFile, 'utf8')).trim());
    try {
      first.kill('SIGKILL');
      await first;
      expect(isProcessRunning(payloadPid)).toBe(true);

      const second = startBot(botArgs('--containment', 'pgroup'));
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const again = await h.coordinator.stream(1, 15_000);
      expect((await again.take('hello')).running).toEqual([]);
      again.welcome();
      await until('bot ready', () => stderr.includes('"msg":"bot ready"'), 15_000);
      expect(isProcessRunning(payloadPid)).toBe(false);
      expect(stderr).toMatch(/"msg":"killed a payload left by a previous run"/);
      expect(stderr).toMatch(/"taskId":"t1"/);
      expect(stderr).toMatch(/"msg":"took over a stale bot dir lock"/);
      expect(stderr).toMatch(/"why":"pid \d+ is not running"/);
    } finally {
      try {
        process.kill(payloadPid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });

  it('kills at the next start a payload that killed its bot the instant it was spawned', async () => {
    const pidFile = path.join(h.root, 'payload.pid');
    // The bot forks the payload itself: through the fork server, a payload that kills the bot
    // before the bot took its start is killed by the server at once (fork-server.test.ts), and
    // which of the two comes first is a race; here only the bot's record written before the
    // spawn can find the payload.
    const first = h.start(botArgs('--containment', 'pgroup'), { DROVER_FORK_SERVER: 'off' }).run;
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        // The bot dies before it can record the group: only the record written before the spawn
        // (the task's nonce) is on disk.
        manifest: sh(`${BOT_PID} kill -9 $bot; echo $$ > ${pidFile}; exec sleep 1000`),
      },
    });
    expect((await within('the bot dies', first, 15_000)).signal).toBe('SIGKILL');
    await until('the payload pid', async () =>
      (await readFile(pidFile, 'utf8').catch(() => '')).endsWith('\n'),
    );
    const payloadPid = Number((await readFile(pidFile, 'utf8')).trim());
    try {
      expect(isProcessRunning(payloadPid)).toBe(true);
      const second = h.start(botArgs('--containment', 'pgroup'));
      const again = await h.coordinator.stream(1, 15_000);
      await again.take('hello');
      // Leftovers go before the bot connects.
      expect(isProcessRunning(payloadPid)).toBe(false);
      again.welcome();
      await second.logged('bot ready', 15_000);
      expect(second.stderr()).toMatch(/"msg":"killed a payload left by a previous run"/);
      expect(second.stderr()).toMatch(/"taskId":"t1"/);
    } finally {
      try {
        process.kill(payloadPid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });
});

/**
 * Sets `$bot` to the bot's pid, in a payload: its parent, or its parent's parent when the bot's
 * fork server (containment/fork-server.ts) forked it.
 */
const BOT_PID = `bot=$PPID; [ "$(cat /proc/$bot/comm)" = drover-spawn ] && bot=$(cut -d' ' -f4 /proc/$bot/stat);`;

/** Whether a running process has `marker` in its command line. */
function processWithArgv(marker: string): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker)) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}
