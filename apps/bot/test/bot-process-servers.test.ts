import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useBotProcesses, type BotProcess } from './bot-process-harness';
import { sh } from './helpers';
import { TestCoordinator } from './test-coordinator';

/** A real drover-bot given several coordinators (`--server a,b`) fails over between them. */

const h = useBotProcesses();
const others: TestCoordinator[] = [];
afterEach(() => {
  for (const c of others.splice(0)) c.close();
});

/** A 127.0.0.1 port nothing listens on right now (bound to :0, then closed). */
async function unusedAddress(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** The `server` of each "connecting" log line, in order. */
function connectedTo(bot: BotProcess): string[] {
  return bot
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"msg":"connecting"'))
    .map((l) => String((JSON.parse(l) as { server: unknown }).server));
}

const botArgs = (servers: string) => [
  '--server',
  servers,
  '--token-file',
  h.tokenFile,
  '--data-dir',
  h.root,
  '--id',
  'bot-p',
];

describe('drover-bot with a list of servers', () => {
  it('moves on at once from a server nothing listens on to the live one', async () => {
    const dead = await unusedAddress();
    const bot = h.start(botArgs(`${dead},${h.coordinator.address}`));
    const stream = await h.coordinator.stream(0, 15_000);
    expect((await stream.take('hello')).bot_id).toBe('bot-p');
    stream.welcome();
    await bot.logged('bot ready');
    expect(connectedTo(bot)).toEqual([dead, h.coordinator.address]);
    // The failover did not wait out a backoff.
    expect(bot.stderr()).not.toMatch(/"to":"backoff"/);
  });

  it('when its coordinator goes away, reconnects to the next one with its running task, whose result reaches it', async () => {
    const b = await TestCoordinator.start();
    others.push(b);
    const a = h.coordinator;
    const go = path.join(h.root, 'go');
    const bot = h.start(botArgs(`${a.address},${b.address}`));
    const onA = await a.stream(0, 15_000);
    await onA.take('hello');
    onA.welcome();
    onA.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        // Waits (bounded) for the test to say go, then exits 0.
        manifest: sh(
          `i=0; while [ ! -f '${go}' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; test -f '${go}'`,
        ),
      },
    });
    await onA.take('task_started');

    a.close(); // the replica is gone

    const onB = await b.stream(0, 15_000);
    const hello = await onB.take('hello');
    expect(hello.running.map((r) => [r.task_id, r.lease_id, r.finished])).toEqual([
      ['t1', 'l1', false],
    ]);
    onB.welcome();
    await writeFile(go, '');
    expect(await onB.take('task_finished')).toMatchObject({ task_id: 't1', exit_code: 0 });
    expect(connectedTo(bot)).toEqual([a.address, b.address]);
  });

  it('goes round the list: back to the first once the second goes away too', async () => {
    const b = await TestCoordinator.start();
    others.push(b);
    const a = h.coordinator;
    const bot = h.start(botArgs(`${a.address},${b.address}`));
    const a0 = await a.stream(0, 15_000);
    await a0.take('hello');
    a0.welcome();
    a0.end(); // A ends the stream but still listens
    const b0 = await b.stream(0, 15_000);
    await b0.take('hello');
    b0.welcome();
    b0.end();
    const a1 = await a.stream(1, 15_000);
    await a1.take('hello');
    expect(connectedTo(bot)).toEqual([a.address, b.address, a.address]);
    // Both failed in a row: that round ended with a backoff wait.
    expect(bot.stderr()).toMatch(/"to":"backoff"/);
  });
});
