import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { botLockPath, EXIT_CODES, isProcessRunning, STOP_REASON_TEXT } from '../src/index';
import { useBotProcesses, type BotProcess } from './bot-process-harness';
import { sh, until, within } from './helpers';
import type { TestStream } from './test-coordinator';

/**
 * SIGINT/SIGTERM on a real bot process: the first drains (up to --drain-timeout), the second
 * kills the task with the termination dance, the third exits at once. Exit codes 0, 4, 5.
 */

const h = useBotProcesses();

/** A payload that cleans up on TERM (writing `mark`) and says "ready" once its trap is set. */
function trapsTerm(mark: string) {
  return sh(
    `trap 'echo cleanup; echo cleaned > ${mark}; exit 0' TERM; echo ready; ` +
      `while :; do sleep 0.05; done`,
    { grace_period_secs: 10 },
  );
}

/** Starts a bot, connects it, assigns it `t1` and waits for "ready" in its output. */
async function botRunning(
  manifest: ReturnType<typeof sh>,
  ...args: string[]
): Promise<{ bot: BotProcess; stream: TestStream }> {
  const bot = h.start(h.args(...args));
  const stream = await h.coordinator.stream(0, 15_000);
  await stream.take('hello');
  stream.welcome();
  stream.autoAck();
  stream.send({ assign: { task_id: 't1', lease_id: 'l1', manifest } });
  await stream.outputUntil('t1', 'ready');
  return { bot, stream };
}

async function stoppingHeartbeat(stream: TestStream): Promise<void> {
  await until('a stopping heartbeat', () =>
    stream.all('heartbeat').some((b) => b.state?.quarantined_reason === STOP_REASON_TEXT.signal),
  );
}

function ackFinished(stream: TestStream): void {
  stream.send({ ack: { task_id: 't1', lease_id: 'l1', finished: true } });
}

describe('drover-bot signals', () => {
  it('on SIGTERM lets the running task finish, delivers its result, and exits 0', async () => {
    const go = path.join(h.root, 'go');
    const { bot, stream } = await botRunning(
      sh(`echo ready; while [ ! -e ${go} ]; do sleep 0.01; done; echo done`),
    );
    bot.run.kill('SIGTERM');
    // The bot announces it takes no more tasks, and keeps running the task.
    await stoppingHeartbeat(stream);
    expect(stream.all('task_finished')).toEqual([]);
    await writeFile(go, '');
    expect(await stream.take('task_finished')).toMatchObject({
      task_id: 't1',
      exit_code: 0,
      killed: false,
    });
    ackFinished(stream);
    const r = await within('bot exit', bot.run, 15_000);
    expect(r.exitCode).toBe(EXIT_CODES.ok);
    expect(existsSync(botLockPath(path.join(h.root, 'bots', 'bot-p')))).toBe(false);
  });

  it('past --drain-timeout, kills the task with the termination dance, reports it, and exits 4', async () => {
    const mark = path.join(h.root, 'cleaned');
    const { bot, stream } = await botRunning(trapsTerm(mark), '--drain-timeout', '0.3');
    bot.run.kill('SIGTERM');
    await stoppingHeartbeat(stream);
    // The payload got SIGTERM and cleaned up within its grace period.
    expect(await stream.take('task_finished')).toMatchObject({ killed: true, exit_code: 0 });
    expect(await readFile(mark, 'utf8')).toBe('cleaned\n');
    await stream.outputUntil('t1', 'cleanup\n');
    ackFinished(stream);
    const r = await within('bot exit', bot.run, 15_000);
    expect(r.exitCode).toBe(EXIT_CODES.taskKilled);
    expect(bot.stderr()).toMatch(/"why":"drain limit reached".*"msg":"stopping now: killing/);
  });

  it('on a second signal, kills the task with the termination dance now, reports it, and exits 4', async () => {
    const mark = path.join(h.root, 'cleaned');
    const { bot, stream } = await botRunning(trapsTerm(mark));
    bot.run.kill('SIGTERM');
    await stoppingHeartbeat(stream);
    bot.run.kill('SIGINT');
    expect(await stream.take('task_finished')).toMatchObject({ killed: true, exit_code: 0 });
    expect(existsSync(mark)).toBe(true);
    ackFinished(stream);
    const r = await within('bot exit', bot.run, 15_000);
    expect(r.exitCode).toBe(EXIT_CODES.taskKilled);
  });

  it('on a third signal, SIGKILLs the task and exits 5 at once', async () => {
    const pidFile = path.join(h.root, 'pid');
    const { bot, stream } = await botRunning(
      sh(`trap '' TERM; echo $$ > ${pidFile}; echo ready; while :; do sleep 0.05; done`, {
        grace_period_secs: 60,
      }),
    );
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    bot.run.kill('SIGTERM');
    await stoppingHeartbeat(stream);
    bot.run.kill('SIGTERM');
    await bot.logged('stopping now: killing the running task');
    // The payload ignores TERM: the dance waits out its 60 s grace period, but not the bot.
    bot.run.kill('SIGTERM');
    const r = await within('bot exit', bot.run, 5_000);
    expect(r.exitCode).toBe(EXIT_CODES.exitedAtOnce);
    await until('the payload is gone', () => !isProcessRunning(pid), 2_000);
    expect(bot.stderr()).toMatch(/"taskIds":\["t1"\].*"msg":"third signal: exiting at once"/);
    expect(existsSync(botLockPath(path.join(h.root, 'bots', 'bot-p')))).toBe(false);
  });
});
