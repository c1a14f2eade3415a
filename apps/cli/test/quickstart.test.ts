// The README's quickstart, as a user runs it: the real drover-coordinator and drover-bot
// executables on loopback, then the drover CLI with no flags but --server (the token is found in
// .drover/client.token of the working directory).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, COORDINATOR, RealBins, jsonLines, type Run } from './support/real-bins';

let work: string;
let dataDir: string;
let server = '';

let bins: RealBins;
const startUntil = (path: string, args: string[], ready: string) =>
  bins.startUntil(path, args, ready);
const drover = (args: string[], onStderr?: (soFar: string) => void) =>
  bins.drover(server, args, onStderr);

/** The id of the quickstart task, once the first case has run it. */
let quickstartId = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-quickstart-'));
  bins = new RealBins(work);
  dataDir = join(work, '.drover');
  const coord = await startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  await startUntil(
    BOT,
    ['--server', server, '--data-dir', dataDir, '--id', 'quickstart-bot'],
    'bot ready',
  );
});

afterAll(async () => {
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('the quickstart, end to end with real processes', () => {
  it('submit → wait (exit 3, states as they happen) → logs → result --json', async () => {
    const gate = join(work, 'gate');
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--name',
      'quickstart',
      '--',
      'sh',
      '-c',
      `while [ ! -f ${gate} ]; do sleep 0.02; done; echo hi; exit 3`,
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{20}$/);

    quickstartId = id;
    // The payload holds until the gate exists; open it once `drover wait` has printed RUNNING
    // (not merely once the task runs: a wait still starting up would then see only COMPLETED).
    let sawRunning = (): void => {};
    const running = new Promise<void>((resolve) => (sawRunning = resolve));
    const waiting = drover(['wait', id], (soFar) => {
      if (soFar.includes('RUNNING')) sawRunning();
    });
    await Promise.race([running, waiting]);
    writeFileSync(gate, '');
    const waited = await waiting;
    expect(waited.code).toBe(3);
    expect(waited.stderr).toMatch(/RUNNING[\s\S]*COMPLETED/);

    const logs = await drover(['logs', id]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('hi\n');

    const result = await drover(['result', id, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      task_id: id,
      name: 'quickstart',
      state: 'COMPLETED',
      // The canonical JSON of the TaskResult (docs/json.md): int64 fields are strings.
      exit_code: '3',
      bot_id: 'quickstart-bot',
      failure: true,
      output_size: '3',
    });
    for (const ts of ['created_ts', 'started_ts', 'completed_ts']) {
      expect(String(json[ts])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    expect(typeof json['duration']).toBe('number');
  });

  it('cancel --kill stops a running task: KILLED, wait exits 69, nothing of it survives', async () => {
    const pidFile = join(work, 'killed.pid');
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--grace',
      '1',
      '--',
      'sh',
      '-c',
      `echo $$ > ${pidFile}; exec sleep 300`,
    ]);
    const id = submitted.stdout.trim();
    const waiting = drover(['wait', id]);
    for (;;) {
      if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const cancelled = await drover(['cancel', id, '--kill']);
    expect(cancelled.code).toBe(0);
    const waited = await waiting;
    expect(waited.code).toBe(69);
    const result = JSON.parse((await drover(['result', id, '--json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(result['state']).toBe('KILLED');
    expect(result['abandoned_ts']).toBeDefined();
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('tasks --state completed --json lists the quickstart task, one TaskResult a line', async () => {
    expect(quickstartId).not.toBe('');
    const [listed, table] = await Promise.all([
      drover(['tasks', '--state', 'completed', '--json']),
      drover(['tasks', '--state', 'completed', '--limit', '1000']),
    ]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const results = jsonLines(listed.stdout);
    expect(results.every((r) => r['state'] === 'COMPLETED')).toBe(true);
    expect(results.find((r) => r['task_id'] === quickstartId)).toMatchObject({
      name: 'quickstart',
      exit_code: '3',
      bot_id: 'quickstart-bot',
      output_size: '3',
    });
    // As a user's `grep` or `jq` sees the line: int64 as strings, no `seconds`/`nanos`.
    const line = listed.stdout.split('\n').find((l) => l.includes(`"task_id":"${quickstartId}"`));
    expect(line).toContain('"output_size":"3"');
    expect(line).toContain('"exit_code":"3"');
    expect(line).not.toContain('"seconds"');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`^${quickstartId} +COMPLETED +quickstart +quickstart-bot +3 `, 'm'),
    );
  });

  it('cancel --tag cancels every pending task carrying the tags', async () => {
    const tag = `batch:${process.pid}`;
    const submit = () =>
      drover([
        'submit',
        '-d',
        'pool=nobody',
        '--wait-for-capacity',
        '--tag',
        tag,
        '--tag',
        'kind:cli-test',
        '--',
        'true',
      ]);
    const submitted = await Promise.all([submit(), submit()]);
    expect(submitted.map((r) => r.code)).toEqual([0, 0]);
    const ids = submitted.map((r) => r.stdout.trim()).sort();
    // Only PENDING tasks are cancelled: `canceled 2` also says both were queued, not NO_RESOURCE.
    const cancelled = await drover(['cancel', '--tag', tag, '--tag', 'kind:cli-test']);
    expect(cancelled).toEqual({ code: 0, stdout: 'canceled 2 tasks\n', stderr: '' });

    const [listed, stillPending, counted, bots] = await Promise.all([
      drover(['tasks', '--state', 'canceled', '--tag', tag, '--json']),
      drover(['tasks', '--count', '--state', 'pending', '--tag', tag]),
      drover(['tasks', '--count', '--json', '--state', 'canceled', '--tag', tag]),
      drover(['bots', '--count', '--json']),
    ]);
    const results = jsonLines(listed.stdout);
    expect(results.map((r) => r['task_id']).sort()).toEqual(ids);
    expect(results.every((r) => r['state'] === 'CANCELED')).toBe(true);
    expect(stillPending).toEqual({ code: 0, stdout: '0\n', stderr: '' });
    // The CountTasksResponse, its int64 count a string, as in `drover bots --count --json`.
    expect(counted).toEqual({ code: 0, stdout: '{"count":"2"}\n', stderr: '' });
    expect(bots).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(bots.stdout)).toMatchObject({ count: expect.stringMatching(/^\d+$/) });
  });

  it('submit --fallback runs on the first slice a bot serves; --request-uuid gives the same id', async () => {
    const fallback = async (): Promise<Run> => {
      const submitted = await drover([
        'submit',
        '-d',
        'pool=default',
        '-d',
        'gpu=no-such-gpu',
        '--fallback',
        '60:-gpu',
        '--',
        'true',
      ]);
      expect(submitted).toMatchObject({ code: 0, stderr: '' });
      return drover(['wait', '--json', submitted.stdout.trim()]);
    };
    const sameUuid = async (): Promise<Run[]> => {
      const args = ['submit', '-d', 'pool=nobody', '--wait-for-capacity'];
      const uuid = ['--request-uuid', `uuid-${process.pid}`, '--', 'true'];
      const first = await drover([...args, ...uuid]);
      const again = await drover([...args, ...uuid]);
      await drover(['cancel', first.stdout.trim()]);
      return [first, again];
    };
    const [waited, [first, again]] = await Promise.all([fallback(), sameUuid()]);
    expect(waited.code).toBe(0);
    expect(jsonLines(waited.stdout).at(-1)).toMatchObject({
      state: 'COMPLETED',
      current_task_slice: 1,
      exit_code: '0',
    });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(again).toEqual(first);
  });

  it('bots --json lists quickstart-bot alive; bot show prints its dimensions', async () => {
    const [listed, shown, missing] = await Promise.all([
      drover(['bots', '--json']),
      drover(['bot', 'show', 'quickstart-bot']),
      drover(['bot', 'show', 'no-such-bot']),
    ]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const bot = jsonLines(listed.stdout).find((b) => b['bot_id'] === 'quickstart-bot');
    expect(bot).toMatchObject({ is_dead: false, connected: true });
    expect(Date.parse(String(bot?.['last_seen_ts']))).not.toBeNaN();
    const dimensions = bot?.['dimensions'] as Array<{ key: string; value: string[] }>;
    expect(dimensions).toContainEqual({ key: 'id', value: ['quickstart-bot'] });

    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/^bot +quickstart-bot$/m);
    expect(shown.stdout).toMatch(/^status +alive, /m);
    expect(shown.stdout).toMatch(/^dimensions$/m);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const { key, value } of dimensions) {
      const line = new RegExp(`^  ${escape(key)} +${escape(value.join(' '))}$`, 'm');
      expect(shown.stdout).toMatch(line);
    }
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-bot');
  });

  it('refuses bad input with a message naming the field and exit 2, storing nothing', async () => {
    const run = await drover(['submit', '-d', 'pool=default', '--timeout', '-5', '--', 'true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/timeout/);
    const noPool = await drover(['submit', '-d', 'os=Linux', '--', 'true']);
    expect(noPool.code).toBe(2);
    expect(noPool.stderr).toMatch(/pool/);
  });
});
