// `drover audit` and "cancelled by" as an operator sees them: the real drover-coordinator on
// loopback, then the drover CLI (its token, local-admin's, found in .drover/client.token).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealBins, jsonLines } from './support/real-bins';

let work: string;
let server = '';
let bins: RealBins;
const drover = (...args: string[]) => bins.drover(server, args);
let taskId = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-audit-cli-'));
  bins = new RealBins(work);
  server = await bins.startCoordinator();
  // A task no bot can take, waiting: then cancelled.
  const submitted = await drover(
    'submit',
    '-d',
    'pool=default',
    '-d',
    'os=none',
    '--wait-for-capacity',
    '--name',
    'doomed',
    '--',
    'true',
  );
  expect(submitted.code).toBe(0);
  taskId = submitted.stdout.trim();
  const cancelled = await drover('cancel', taskId);
  expect(cancelled.code).toBe(0);
});

afterAll(async () => {
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('drover result', () => {
  it('says who cancelled the task, in text and in JSON', async () => {
    const text = await drover('result', taskId);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cancelled by\s+local-admin$/m);
    const json = await drover('result', taskId, '--json');
    expect(jsonLines(json.stdout)[0]).toMatchObject({
      state: 'CANCELED',
      canceled_by: 'local-admin',
    });
  });
});

describe('drover audit', () => {
  it('prints the cancel as a table row with UTC time, principal, peer, action and result', async () => {
    const run = await drover('audit');
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME\s+PRINCIPAL\s+PEER\s+ACTION\s+TARGET\s+POOL\s+RESULT\s+DETAILS$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+local-admin\\s+127\\.0\\.0\\.1:\\d+\\s+tasks\\.cancel\\s+${taskId}\\s+default\\s+ok\\s+\\{`,
      ),
    );
  });

  it('prints NDJSON in canonical form, and filters by principal, action and time', async () => {
    const json = await drover('audit', '--json', '--since', '1h', '--action', 'tasks.');
    expect(json.code).toBe(0);
    const [entry, ...more] = jsonLines(json.stdout);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      principal: 'local-admin',
      action: 'tasks.cancel',
      target: taskId,
      pool: 'default',
      result: 'ok',
    });
    // Canonical JSON: int64 as a string, the time as RFC 3339.
    expect(entry?.['id']).toMatch(/^\d+$/);
    expect(entry?.['time']).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(JSON.parse(String(entry?.['details']))).toMatchObject({ kill_running: false });

    for (const filter of [
      ['--principal', 'someone-else'],
      ['--action', 'bots.'],
      ['--until', '2000-01-01T00:00:00Z'],
    ]) {
      const none = await drover('audit', '--json', ...filter);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('');
    }
  });

  it('refuses bad arguments with exit code 2', async () => {
    for (const args of [
      ['--since', 'yesterday-ish'],
      ['--limit', '5000'],
      ['--action', 'Tasks Cancel'],
      ['--since', '1h', '--until', '2h'],
      // Checked by the coordinator: INVALID_ARGUMENT is a usage error too.
      ['--principal', 'p'.repeat(300)],
    ]) {
      const run = await drover('audit', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^drover: |error: /m);
    }
  });
});
