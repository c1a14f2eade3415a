// The real `drover` executable as a child process, against a real gRPC server on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Test support shared with libs/client's own tests (a real gRPC server with fixed answers);
// no production code crosses this boundary.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  BOTS_CURSOR,
  CANCEL_CURSOR,
  FAKE_COUNT,
  FAKE_OUTPUT,
  FAKE_TASK_ID,
  LISTED_RESULTS,
  LIST_CURSOR,
  startFakeTasksServer,
  type RecordedCall,
  type FakeTasksServer,
} from '../../../libs/client/test/support/fake-tasks-server';

const BIN = fileURLToPath(new URL('../bin/drover.js', import.meta.url));
const TOKEN = 'bin-token';
let fake: FakeTasksServer;
let cwd: string;

beforeAll(async () => {
  fake = await startFakeTasksServer({ token: TOKEN });
  cwd = mkdtempSync(join(tmpdir(), 'drover-bin-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(cwd, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the executable to its end (killed after 20 s) in an empty temp dir. */
function drover(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', DROVER_SERVER: fake.address, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the drover executable', () => {
  it('submits a task and prints only its id', async () => {
    const run = await drover(
      ['--token', TOKEN, 'submit', '-d', 'pool=ci', '--', 'sh', '-c', 'exit 3'],
      { USER: 'carol' },
    );
    expect(run).toEqual({ code: 0, stdout: `${FAKE_TASK_ID}\n`, stderr: '' });
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'NewTask',
      authorization: `Bearer ${TOKEN}`,
      request: {
        user: 'carol',
        task_slices: [{ properties: { command: ['sh', '-c', 'exit 3'] } }],
      },
    });
  });

  it('waits for the task and exits with its exit code', async () => {
    const run = await drover(['wait', FAKE_TASK_ID], { DROVER_TOKEN: TOKEN });
    expect(run.stderr).toBe(
      '[+0.0s] PENDING\n[+1.0s] RUNNING on bot bot-1\n[+2.5s] COMPLETED exit 3 in 0.01s\n',
    );
    expect(run.code).toBe(3);
  });

  it('exits 2 on a usage error, saying what is wrong', async () => {
    const run = await drover(['submit', '-d', 'pool', '--', 'true'], { DROVER_TOKEN: TOKEN });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      "drover: option '-d, --dimension <key=value>' argument 'pool' is invalid",
    );
  });
});

/** The calls of `method` whose request carries `tag` (each run below uses its own tag). */
function callsTagged(method: string, tag: string): RecordedCall[] {
  return fake.calls.filter(
    (c) => c.method === method && (c.request as { tags: string[] }).tags.includes(tag),
  );
}

describe('drover tasks and drover cancel --tag, as a child process', () => {
  const env = { DROVER_TOKEN: TOKEN };

  it('prints a table of the first page and, on stderr, how to get the next', async () => {
    const run = await drover(['tasks', '--tag', 'run:table', '--limit', '2'], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'ID      STATE    NAME                      BOT    EXIT  CREATED               DURATION  TAGS',
      'task-3  RUNNING  a rather long task name…  bot-2  -     2023-11-14T22:16:40Z  -         build:42 kind:unit suite:everything-and-the-kit…',
      'task-2  PENDING  -                         -      -     2023-11-14T22:15:00Z  -         -',
      '',
    ]);
    expect(run.stderr).toBe(
      'more tasks; the next page (or use --all-pages):\n' +
        `  drover tasks --tag run:table --limit 2 --cursor ${LIST_CURSOR}\n`,
    );
    expect(callsTagged('ListTasks', 'run:table').map((c) => c.request)).toEqual([
      {
        state: 'QUERY_ALL',
        tags: ['run:table'],
        start: null,
        end: null,
        limit: 2,
        cursor: '',
        parent_task_id: '',
        name: '',
        user: '',
        pool: '',
        bot_id: '',
        sort: 'SORT_CREATED',
      },
    ]);
  });

  it('prints one TaskResult per line with --json (canonical JSON); the last page says nothing more', async () => {
    const [last, all] = await Promise.all([
      drover(
        ['tasks', '--json', '--state', 'COMPLETED', '--tag', 'run:json', '--cursor', LIST_CURSOR],
        env,
      ),
      drover(['tasks', '--json', '--all-pages', '--tag', 'run:all'], env),
    ]);
    expect(last).toMatchObject({ code: 0, stderr: '' });
    const lines = last.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // The proto3 canonical JSON of the TaskResult (docs/json.md): int64 as strings, RFC 3339.
    expect(JSON.parse(lines[0]!)).toMatchObject({
      task_id: FAKE_TASK_ID,
      state: 'COMPLETED',
      exit_code: '3',
      output_size: String(FAKE_OUTPUT.length),
      created_ts: '2023-11-14T22:13:20Z',
      failure: true,
    });
    expect(lines[0]).toContain(`"output_size":"${FAKE_OUTPUT.length}"`);
    expect(callsTagged('ListTasks', 'run:json')[0]?.request).toMatchObject({
      state: 'QUERY_COMPLETED',
      cursor: LIST_CURSOR,
    });

    expect(all).toMatchObject({ code: 0, stderr: '' });
    const ids = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { task_id: string }).task_id);
    expect(ids).toEqual(LISTED_RESULTS.map((r) => r.task_id));
    expect(
      callsTagged('ListTasks', 'run:all').map((c) => (c.request as { cursor: string }).cursor),
    ).toEqual(['', LIST_CURSOR]);
  });

  it('prints only the number with --count, sending the filter', async () => {
    const run = await drover(
      [
        'tasks',
        '--count',
        '--state',
        'pending_running',
        '--tag',
        'run:count',
        '--since',
        '2024-01-01T00:00:00Z',
      ],
      env,
    );
    expect(run).toEqual({ code: 0, stdout: `${FAKE_COUNT}\n`, stderr: '' });
    expect(callsTagged('CountTasks', 'run:count')[0]?.request).toEqual({
      state: 'QUERY_PENDING_RUNNING',
      tags: ['run:count'],
      start: { seconds: Date.parse('2024-01-01T00:00:00Z') / 1000, nanos: 0 },
      end: null,
      parent_task_id: '',
      name: '',
      user: '',
      pool: '',
      bot_id: '',
      sort: 'SORT_CREATED',
    });
  });

  it('prints {"count": "N"} with --count --json, the shape of drover bots --count --json', async () => {
    const [tasks, bots] = await Promise.all([
      drover(['tasks', '--count', '--json', '--tag', 'run:count-json'], env),
      drover(['bots', '--count', '--json'], env),
    ]);
    // The CountTasksResponse and CountBotsResponse: int64 counts, so strings in JSON.
    expect(tasks).toEqual({ code: 0, stdout: `{"count":"${FAKE_COUNT}"}\n`, stderr: '' });
    expect(bots.code).toBe(0);
    const counted = [tasks, bots].map((r) => JSON.parse(r.stdout) as { count: unknown });
    for (const c of counted) expect(c.count).toMatch(/^\d+$/);
    expect(callsTagged('CountTasks', 'run:count-json')).toHaveLength(1);
  });

  it('sends --name, --user, --pool, --bot and --sort, with --count too', async () => {
    const filter = ['--name', 'build-*', '--user', 'ann', '--pool', 'ci', '--bot', 'b1'];
    const [listed, counted] = await Promise.all([
      drover(['tasks', '--tag', 'run:find', ...filter, '--sort', 'completed'], env),
      drover(['tasks', '--count', '--tag', 'run:find-count', ...filter, '--sort', 'started'], env),
    ]);
    expect(listed.code).toBe(0);
    expect(counted).toEqual({ code: 0, stdout: `${FAKE_COUNT}\n`, stderr: '' });
    const sent = { name: 'build-*', user: 'ann', pool: 'ci', bot_id: 'b1' };
    expect(callsTagged('ListTasks', 'run:find')[0]?.request).toMatchObject({
      ...sent,
      sort: 'SORT_COMPLETED',
    });
    expect(callsTagged('CountTasks', 'run:find-count')[0]?.request).toMatchObject({
      ...sent,
      sort: 'SORT_STARTED',
    });
  });

  it('cancels by tags following the cursor, and says how many', async () => {
    const [text, json] = await Promise.all([
      drover(['cancel', '--tag', 'run:cancel', '--tag', 'kind:unit', '--kill'], env),
      drover(['cancel', '--json', '--tag', 'run:cancel-json'], env),
    ]);
    expect(text).toEqual({
      code: 0,
      stdout: 'canceled 3 tasks (running ones will end as KILLED)\n',
      stderr: '',
    });
    expect(callsTagged('CancelTasks', 'run:cancel').map((c) => c.request)).toEqual([
      { tags: ['run:cancel', 'kind:unit'], kill_running: true, limit: 0, cursor: '' },
      { tags: ['run:cancel', 'kind:unit'], kill_running: true, limit: 0, cursor: CANCEL_CURSOR },
    ]);
    expect(json).toEqual({ code: 0, stdout: '{"matched":3}\n', stderr: '' });
  });

  it.each([
    [
      ['tasks', '--state', 'done'],
      "argument 'done' is invalid. expected one of pending, running, pending_running, completed, completed_success, completed_failure, expired, timed_out, bot_died, canceled, killed, no_resource, client_error, deduped, all",
    ],
    [['tasks', '--limit', '1001'], 'expected a whole number from 1 to 1000'],
    [['tasks', '--since', 'yesterday'], 'expected a duration ago'],
    [['tasks', '--tag', 'nocolon'], 'expected key:value'],
    [['tasks', '--sort', 'newest'], 'expected one of created, started, completed'],
    [['tasks', '--count', '--sort', 'Started'], 'expected one of created, started, completed'],
    [['tasks', '--name', ''], "option '--name <glob>' argument '' is invalid. must not be empty"],
    [['tasks', '--bot', ''], 'must not be empty'],
    [['cancel'], 'give a task id or --tag key:value (not both)'],
    [['cancel', FAKE_TASK_ID, '--tag', 'a:b'], 'give a task id or --tag key:value (not both)'],
  ])('exits 2 for drover %j, calling nothing', async (args, message) => {
    const before = fake.calls.length;
    const run = await drover(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(fake.calls.length).toBe(before);
  });

  it("exits 2 with the server's message for a cursor it did not make, 1 without a token", async () => {
    const [bad, anonymous] = await Promise.all([
      drover(['tasks', '--cursor', 'bogus'], env),
      drover(['tasks'], {}),
    ]);
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'drover: invalid request: cursor: not a cursor returned by this server\n',
    });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('did not accept the call (no token was given)');
  });
});

describe('drover bots and drover bot show, as a child process', () => {
  const env = { DROVER_TOKEN: TOKEN };
  const lastCall = (method: string): RecordedCall | undefined =>
    fake.calls.filter((c) => c.method === method).at(-1);

  it('prints a table of the first page, sending the filters; stderr says there is more', async () => {
    const run = await drover(
      ['bots', '-d', 'pool=ci|default', '-d', 'os=Linux', '--alive', '--busy', '--limit', '2'],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'ID     STATUS                             TASK    VERSION  LAST SEEN             POOL  OS',
      'bot-1  alive, busy                        task-3  v1.2.3   2023-11-14T22:18:20Z  ci    Linux|Linux-Debian',
      'bot-2  dead, idle, quarantined: low disk  -       v1.2.2   2023-11-14T21:56:40Z  ci    Mac',
      '',
    ]);
    expect(run.stderr).toBe('more bots: use --all-pages (or a larger --limit)\n');
    expect(lastCall('ListBots')).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      request: {
        dimensions: [
          { key: 'pool', value: 'ci|default' },
          { key: 'os', value: 'Linux' },
        ],
        is_dead: 'FALSE',
        is_busy: 'TRUE',
        quarantined: 'NULL',
        in_maintenance: 'NULL',
        limit: 2,
        cursor: '',
      },
    });
  });

  it('--all-pages --json prints one BotInfo per line over both pages', async () => {
    const before = fake.calls.length;
    const run = await drover(
      ['bots', '--all-pages', '--json', '--dead', '--quarantined', '--idle'],
      env,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const bots = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(bots.map((b) => b['bot_id'])).toEqual(['bot-1', 'bot-2', 'bot-3']);
    expect(bots[0]).toMatchObject({
      is_dead: false,
      task_id: 'task-3',
      last_seen_ts: '2023-11-14T22:18:20.250Z',
      dimensions: [
        { key: 'id', value: ['bot-1'] },
        { key: 'os', value: ['Linux', 'Linux-Debian'] },
        { key: 'pool', value: ['ci'] },
      ],
    });
    const calls = fake.calls.slice(before).filter((c) => c.method === 'ListBots');
    expect(calls.map((c) => c.request)).toMatchObject([
      { cursor: '', is_dead: 'TRUE', quarantined: 'TRUE', is_busy: 'FALSE' },
      { cursor: BOTS_CURSOR, is_dead: 'TRUE', quarantined: 'TRUE', is_busy: 'FALSE' },
    ]);
  });

  it('--count prints CountBots as one line, or as JSON, sending the dimensions', async () => {
    const [line, json] = await Promise.all([
      drover(['bots', '--count', '-d', 'pool=ci'], env),
      drover(['bots', '--count', '--json'], env),
    ]);
    expect(line).toEqual({
      code: 0,
      stdout: '3 bots: 1 busy, 1 quarantined, 1 dead\n',
      stderr: '',
    });
    expect(json).toEqual({
      code: 0,
      stdout: '{"count":"3","busy":"1","quarantined":"1","maintenance":"0","dead":"1"}\n',
      stderr: '',
    });
    expect(fake.calls.filter((c) => c.method === 'CountBots').map((c) => c.request)).toContainEqual(
      { dimensions: [{ key: 'pool', value: 'ci' }] },
    );
  });

  it('bot show prints every field and the dimensions; --json the BotInfo', async () => {
    const [text, json] = await Promise.all([
      drover(['bot', 'show', 'bot-1'], env),
      drover(['bot', 'show', 'bot-2', '--json'], env),
    ]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^bot +bot-1$/m);
    expect(text.stdout).toMatch(/^status +alive, busy$/m);
    expect(text.stdout).toMatch(/^task +task-3 \(build\)$/m);
    expect(text.stdout).toMatch(/^last seen +2023-11-14T22:18:20Z$/m);
    expect(text.stdout).toMatch(/^session +session-1$/m);
    expect(text.stdout).toMatch(/^ {2}os +Linux Linux-Debian$/m);
    expect(text.stdout).toMatch(/^ {2}pool +ci$/m);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      bot_id: 'bot-2',
      is_dead: true,
      quarantined: true,
      quarantined_reason: 'low disk',
    });
    // The two ran at once: either may have called last.
    const asked = fake.calls.filter((c) => c.method === 'GetBot').map((c) => c.request);
    expect(asked).toEqual(expect.arrayContaining([{ bot_id: 'bot-1' }, { bot_id: 'bot-2' }]));
  });

  it('bot show exits 1 for an unknown bot, saying so', async () => {
    const run = await drover(['bot', 'show', 'nope'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `drover: bot nope not found (asked the coordinator at ${fake.address})\n`,
    );
  });

  it.each<[string[], string]>([
    [['bots', '--dead', '--alive'], "option '--dead' cannot be used with option '--alive'"],
    [['bots', '--busy', '--idle'], "option '--busy' cannot be used with option '--idle'"],
    [['bots', '--count', '--limit', '5'], "option '--count' cannot be used with option '--limit"],
    [['bots', '--count', '--dead'], "option '--count' cannot be used with option '--dead'"],
    [['bots', '-d', 'pool'], "argument 'pool' is invalid"],
    [['bots', '--limit', '0'], 'expected a whole number from 1 to 1000'],
    [['bot', 'show'], "missing required argument 'bot-id'"],
    [['bot', 'frobnicate'], 'frobnicate'],
  ])('exits 2 for drover %j, calling nothing', async (args, message) => {
    const before = fake.calls.length;
    const run = await drover(args, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(fake.calls.length).toBe(before);
  });
});
