import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessRunning } from '../src/index';
import { sh, tempDir, until, within } from './helpers';
import { TestCoordinator } from './test-coordinator';

/** The drover-bot executable as a real child process, against a real gRPC server. */

const BIN = fileURLToPath(new URL('../bin/drover-bot.js', import.meta.url));

let root: string;
let cleanup: () => Promise<void>;
let coordinator: TestCoordinator;
let bot: ResultPromise | undefined;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  coordinator = await TestCoordinator.start();
});
afterEach(async () => {
  bot?.kill('SIGKILL');
  await bot;
  bot = undefined;
  coordinator.close();
  await cleanup();
});

function startBot(args: string[]): ResultPromise {
  bot = execa('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: root },
    extendEnv: false,
    reject: false,
    all: true,
  });
  return bot;
}

function botArgs(...extra: string[]): string[] {
  return [
    '--server',
    coordinator.address,
    '--token',
    'tok',
    '--data-dir',
    root,
    '--id',
    'bot-p',
    ...extra,
  ];
}

describe('drover-bot process', () => {
  it('exits 2 naming an unknown flag', async () => {
    const r = await within('bot exit', startBot(['--bogus']), 15_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--bogus/);
  });

  it('exits 2 when it has no token', async () => {
    const r = await within('bot exit', startBot(['--data-dir', root]), 15_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no bot token/);
  });

  it('exits 3 when the coordinator refuses it', async () => {
    const run = startBot(botArgs());
    const stream = await coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.fail(grpc.status.UNAUTHENTICATED, 'unknown token');
    const r = await within('bot exit', run, 15_000);
    expect(r.exitCode).toBe(3);
    expect(coordinator.streams).toHaveLength(1);
  });

  it('with --once runs one task, logs "bot ready", and exits 0 once its result is acknowledged', async () => {
    const run = startBot(botArgs('--once'));
    const stream = await coordinator.stream(0, 15_000);
    const hello = await stream.take('hello');
    expect(hello.bot_id).toBe('bot-p');
    expect(hello.dimensions.map((d) => d.key)).toEqual([
      'cores',
      'cpu',
      'gpu',
      'id',
      'os',
      'pool',
      'ram_gib',
    ]);
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

  it('on SIGTERM lets the running task finish, delivers its result, and exits 0', async () => {
    const go = path.join(root, 'go');
    const run = startBot(botArgs());
    const stream = await coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        manifest: sh(`echo ready; while [ ! -e ${go} ]; do sleep 0.01; done; echo done`),
      },
    });
    await stream.outputUntil('t1', 'ready');
    run.kill('SIGTERM');
    // The bot announces it takes no more tasks, and keeps running the task.
    await until('a stopping heartbeat', () =>
      stream.all('heartbeat').some((h) => h.state?.quarantined_reason !== ''),
    );
    expect(stream.all('task_finished')).toEqual([]);
    await writeFile(go, '');
    expect(await stream.take('task_finished')).toMatchObject({
      task_id: 't1',
      exit_code: 0,
      killed: false,
    });
    stream.send({ ack: { task_id: 't1', lease_id: 'l1', output_offset: 11, finished: true } });
    const r = await within('bot exit', run, 15_000);
    expect(r.exitCode).toBe(0);
  });

  it('after a crash (kill -9), the next start kills the payload the dead bot left running', async () => {
    const pidFile = path.join(root, 'payload.pid');
    const first = startBot(botArgs());
    const stream = await coordinator.stream(0, 15_000);
    await stream.take('hello');
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

      const second = startBot(botArgs());
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const again = await coordinator.stream(1, 15_000);
      expect((await again.take('hello')).running).toEqual([]);
      again.welcome();
      await until('bot ready', () => stderr.includes('"msg":"bot ready"'), 15_000);
      expect(isProcessRunning(payloadPid)).toBe(false);
      expect(stderr).toMatch(/"msg":"killed a payload left by a previous run"/);
      expect(stderr).toMatch(/"taskId":"t1"/);
    } finally {
      try {
        process.kill(payloadPid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });
});
