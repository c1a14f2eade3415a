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
  FAKE_TASK_ID,
  startFakeTasksServer,
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
    expect(run.stderr).toBe('PENDING\nRUNNING on bot bot-1\nCOMPLETED exit 3 in 0.01s\n');
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
