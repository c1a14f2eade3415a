// `drover audit` shows one line per entry whatever its fields hold (issue 22): a caller names the
// task it cancels, and the refusal records that name as the target and in the result, so a task
// id with a line break and an escape sequence could forge a row ("local-admin … ok") or erase
// one on an admin's terminal. The table shows such characters as escapes; --json keeps the
// exact text. The real drover-coordinator on loopback, then the drover CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealBins, jsonLines } from './support/real-bins';

let work: string;
let server = '';
let bins: RealBins;
const drover = (...args: string[]) => bins.drover(server, args);

/** A "task id" that, printed raw, ends its row and starts a forged one, then erases a line. */
const FORGED =
  'x\n2026-12-06T17:00:00Z  local-admin  127.0.0.1:1  access.token.create  tok-1  -  ok\u001b[1A\u001b[2K';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-audit-forgery-'));
  bins = new RealBins(work);
  server = await bins.startCoordinator();
  // Refused (no such task), and recorded.
  const cancelled = await drover('cancel', FORGED);
  expect(cancelled.code).not.toBe(0);
});

afterAll(async () => {
  await bins.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('drover audit with hostile fields', () => {
  it('prints the refused cancel as one row, its control characters escaped', async () => {
    const run = await drover('audit');
    expect(run.code).toBe(0);
    const [, ...rows] = run.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/\stasks\.cancel\s+x\\n2026/);
    expect(run.stdout).not.toContain('\u001b');
  });

  it('keeps the exact text in --json', async () => {
    const run = await drover('audit', '--json');
    expect(run.code).toBe(0);
    const [entry] = jsonLines(run.stdout);
    expect(entry).toMatchObject({ action: 'tasks.cancel', target: FORGED });
  });
});
