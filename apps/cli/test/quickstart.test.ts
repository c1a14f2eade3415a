// The README's quickstart, as a user runs it: the real drover-coordinator and drover-bot
// executables on loopback, then the drover CLI with no flags but --server (the token is found in
// .drover/client.token of the working directory).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const CLI = bin('cli/bin/drover.js');
const COORDINATOR = bin('coordinator/bin/drover-coordinator.js');
const BOT = bin('bot/bin/drover-bot.js');

let work: string;
let dataDir: string;
let server = '';
const children: ChildProcess[] = [];

/** Starts a bin and resolves with the first JSON log record whose msg is `ready`. */
function startUntil(
  path: string,
  args: string[],
  ready: string,
): Promise<{ child: ChildProcess; rec: Record<string, unknown> }> {
  const child = spawn(process.execPath, [path, ...args], {
    cwd: work,
    env: { ...process.env, DROVER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${path} did not log "${ready}" within 20 s`)),
      20_000,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (rec['msg'] === ready) {
          clearTimeout(timer);
          resolve({ child, rec });
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path} exited with ${code} before "${ready}"`));
    });
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function drover(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: work,
      env: { PATH: process.env['PATH'] ?? '', HOME: work, DROVER_SERVER: server },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-quickstart-'));
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
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
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

    const waiting = drover(['wait', id]);
    // The payload holds until the gate exists; open it once the task is seen RUNNING.
    for (;;) {
      const r = await drover(['result', id, '--json']);
      if ((JSON.parse(r.stdout) as { state: string }).state === 'RUNNING') break;
    }
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
      exit_code: 3,
      bot_id: 'quickstart-bot',
      failure: true,
      output_size: 3,
    });
    for (const ts of ['created_ts', 'started_ts', 'completed_ts']) {
      expect(Date.parse(String(json[ts]))).not.toBeNaN();
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

  it('refuses bad input with a message naming the field and exit 2, storing nothing', async () => {
    const run = await drover(['submit', '-d', 'pool=default', '--timeout', '-5', '--', 'true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/timeout/);
    const noPool = await drover(['submit', '-d', 'os=Linux', '--', 'true']);
    expect(noPool.code).toBe(2);
    expect(noPool.stderr).toMatch(/pool/);
  });
});
