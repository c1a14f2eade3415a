// The fleet admin commands as an operator runs them: the real drover-coordinator and drover-bot
// executables on loopback, then the drover CLI (its token found in .drover/client.token of the
// working directory). The cases run in order: the last ones terminate and delete the bot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BOT, COORDINATOR, RealBins, jsonLines } from './support/real-bins';

const BOT_ID = 'admin-bot';

let work: string;
let server = '';
let bot: ChildProcess | undefined;

let bins: RealBins;
const startUntil = (path: string, args: string[], ready: string) =>
  bins.startUntil(path, args, ready);
const drover = (...args: string[]) => bins.drover(server, args);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-bots-admin-'));
  bins = new RealBins(work);
  const dataDir = join(work, '.drover');
  const coord = await startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  ({ child: bot } = await startUntil(
    BOT,
    ['--server', server, '--data-dir', dataDir, '--id', BOT_ID, '--dimension', 'rack=r7'],
    'bot ready',
  ));
});

afterAll(async () => {
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('drover bots and drover bot, against a real coordinator and bot', () => {
  it('lists the dimensions bots report, as a table and as JSON', async () => {
    const table = await drover('bots', 'dimensions', '--pool', 'default');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^KEY\s+VALUES\n/);
    expect(table.stdout).toMatch(/^rack\s+r7$/m);

    const json = await drover('bots', 'dimensions', '--json');
    expect(json.code).toBe(0);
    const [response] = jsonLines(json.stdout);
    expect(response?.['bots_dimensions']).toContainEqual({ key: 'id', value: [BOT_ID] });
  });

  it('lists the tasks a bot ran, filtered by state', async () => {
    const submitted = await drover(
      'submit',
      '-d',
      'pool=default',
      '-d',
      `id=${BOT_ID}`,
      '--name',
      'on-admin-bot',
      '--',
      'true',
    );
    expect(submitted.code).toBe(0);
    const taskId = submitted.stdout.trim();
    expect((await drover('wait', taskId)).code).toBe(0);

    const json = await drover('bot', 'tasks', BOT_ID, '--json');
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(jsonLines(json.stdout)).toContainEqual(
      expect.objectContaining({ task_id: taskId, state: 'COMPLETED', bot_id: BOT_ID }),
    );
    const table = await drover('bot', 'tasks', BOT_ID, '--state', 'completed');
    expect(table.stdout).toMatch(/^ID\s+STATE/);
    expect(table.stdout).toContain(taskId);

    const none = await drover('bot', 'tasks', BOT_ID, '--state', 'pending');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`no tasks of bot ${BOT_ID} match`);
  });

  it('quarantines a bot and takes it out again, each change in its events', async () => {
    const quarantined = await drover('bot', 'quarantine', BOT_ID, '--reason', 'disk errors');
    expect(quarantined.stderr).toBe('');
    expect(quarantined.code).toBe(0);
    expect(quarantined.stdout).toBe(`bot ${BOT_ID}: alive, idle, quarantined: disk errors\n`);

    const listed = await drover('bots', '--quarantined', '--json');
    expect(jsonLines(listed.stdout).map((b) => b['bot_id'])).toEqual([BOT_ID]);

    const back = await drover('bot', 'unquarantine', BOT_ID, '--json');
    expect(back.code).toBe(0);
    expect(jsonLines(back.stdout)[0]).toMatchObject({ bot_id: BOT_ID, quarantined: false });

    const events = await drover('bot', 'events', BOT_ID, '--json');
    expect(events.code).toBe(0);
    const types = jsonLines(events.stdout).map((e) => [e['event_type'], e['message']]);
    expect(types).toContainEqual(['quarantined', 'disk errors']);
    expect(types.map(([type]) => type)).toContain('unquarantined');

    const table = await drover('bot', 'events', BOT_ID, '--limit', '1');
    expect(table.stdout).toMatch(/^TIME\s+EVENT\s+TASK\s+MESSAGE\n\S+\s+unquarantined\s/);
    expect(table.stderr).toMatch(/more events: drover bot events admin-bot --cursor \S+ --limit 1/);
  });

  it('puts a bot in maintenance with a message, and out again', async () => {
    const on = await drover('bot', 'maintenance', BOT_ID, '--on', '--message', 'kernel upgrade');
    expect(on.code).toBe(0);
    expect(on.stdout).toBe(`bot ${BOT_ID}: alive, idle, maintenance: kernel upgrade\n`);
    const off = await drover('bot', 'maintenance', BOT_ID, '--off');
    expect(off.code).toBe(0);
    expect(off.stdout).toBe(`bot ${BOT_ID}: alive, idle\n`);
  });

  it('exits 2 for a maintenance change with neither --on nor --off, calling nothing', async () => {
    const neither = await drover('bot', 'maintenance', BOT_ID);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give --on or --off');
  });

  it('exits 2 when the coordinator rejects a reason as INVALID_ARGUMENT', async () => {
    const long = await drover('bot', 'quarantine', BOT_ID, '--reason', 'x'.repeat(2000));
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/invalid request: .*reason/);
  });

  it('exits 1 for a bot the coordinator does not know', async () => {
    const unknown = await drover('bot', 'quarantine', 'no-such-bot');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-bot');
  });

  it('refuses to delete a connected bot without --force', async () => {
    const refused = await drover('bot', 'delete', BOT_ID);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`bot ${BOT_ID} was not deleted`);
    expect(refused.stderr).toContain('--force');
  });

  it("terminates a bot, --wait exiting with the termination task's code once it stopped", async () => {
    const botExited = once(bot!, 'exit');
    const terminated = await drover('bot', 'terminate', BOT_ID, '--wait', '--reason', 'retired');
    expect(terminated.code).toBe(0);
    const taskId = terminated.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f]{20}$/);
    expect(terminated.stderr).toMatch(/COMPLETED/);
    const [exitCode] = (await botExited) as [number | null];
    expect(exitCode).toBe(0);

    const deleted = await drover('bot', 'delete', BOT_ID);
    expect(deleted.stderr).toBe('');
    expect(deleted.stdout).toBe(`deleted bot ${BOT_ID}\n`);
    const gone = await drover('bot', 'show', BOT_ID);
    expect(gone.code).toBe(1);
  });
});
