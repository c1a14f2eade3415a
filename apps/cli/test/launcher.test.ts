// `npm start`'s launcher (tools/bin/dev.js) as a user runs it, with its own data dir and free
// ports: killing it never leaves a coordinator, a bot or a task behind, and two Ctrl-C stop it
// at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from './support/real-bins';

const LAUNCHER = fileURLToPath(new URL('../../../tools/bin/dev.js', import.meta.url));

let work: string;
let dataDir: string;
/** Every pid a test saw, killed in afterEach if a failed test left it running. */
let seen: number[];

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'drover-launcher-'));
  dataDir = join(work, 'data');
  seen = [];
});

afterEach(() => {
  for (const pid of seen) if (running(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Whether `pid` is a live process (a zombie waiting for its reaper is not). */
function running(pid: number): boolean {
  try {
    // The state follows the name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^Z/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Resolves once `check()` holds; rejects naming `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The launcher's children: the processes whose command line names this test's data dir. */
function children(): { coordinator: number; bot: number } {
  const found: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv.includes(dataDir)) continue;
    if (argv.some((a) => a.endsWith('drover-coordinator.js'))) found['coordinator'] = +entry;
    if (argv.some((a) => a.endsWith('drover-bot.js'))) found['bot'] = +entry;
  }
  const { coordinator, bot } = found;
  if (coordinator === undefined || bot === undefined) {
    throw new Error(`launcher children not found: ${JSON.stringify(found)}`);
  }
  seen.push(coordinator, bot);
  return { coordinator, bot };
}

interface Launcher {
  readonly proc: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in the output, once it appears. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

function startLauncher(): Launcher {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DROVER_DATA_DIR: dataDir,
    DROVER_LISTEN: '127.0.0.1:0',
    DROVER_HTTP_LISTEN: '127.0.0.1:0',
    DROVER_BOT_ID: 'launcher-bot',
    DROVER_LOG_LEVEL: 'info',
  };
  // Run by `npm test`, the launcher would take a second Ctrl-C within 250 ms for npm's echo.
  delete env['npm_lifecycle_event'];
  const proc = spawn(process.execPath, [LAUNCHER], {
    cwd: work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  seen.push(proc.pid!);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (s: string) => {
    out += s;
    for (const w of waiters) w();
  };
  proc.stdout!.setEncoding('utf8').on('data', onData);
  proc.stderr!.setEncoding('utf8').on('data', onData);
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    proc,
    output: () => out,
    exited,
    waitFor: (re, timeoutMs = 25_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m === null) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`launcher did not print ${re} within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`launcher exited before printing ${re}:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          proc.off('exit', onExit);
        };
        waiters.add(check);
        proc.once('exit', onExit);
        check();
      }),
  };
}

/** Waits for the banner; returns the addresses it shows. */
async function ready(launcher: Launcher): Promise<{ grpc: string; http: string }> {
  await launcher.waitFor(/Drover is running\./);
  const grpc = (await launcher.waitFor(/gRPC +(\S+)/))[1]!;
  const http = (await launcher.waitFor(/HTTP +http:\/\/(\S+)\/healthz/))[1]!;
  return { grpc, http };
}

/** Runs the CLI to its end against the launcher's coordinator, with the data dir's token. */
async function drover(server: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: work,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: work,
      DROVER_SERVER: server,
      DROVER_TOKEN_FILE: join(dataDir, 'client.token'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30_000,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code: code ?? -1, stdout };
}

/** Submits a payload that records its pid and whether it saw DROVER_PARENT_FD, then sleeps. */
async function runSleeper(grpc: string): Promise<{ pid: number; parentFdVar: string }> {
  const pidFile = join(work, 'payload.pid');
  const envFile = join(work, 'payload.env');
  const submitted = await drover(grpc, [
    'submit',
    '-d',
    'pool=default',
    '--grace',
    '10',
    '--',
    'sh',
    '-c',
    `echo "\${DROVER_PARENT_FD-unset}" > ${envFile}; echo $$ > ${pidFile}; exec sleep 300`,
  ]);
  expect(submitted.code).toBe(0);
  await until(
    'the payload wrote its pid',
    () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'),
    20_000,
  );
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  seen.push(pid);
  return { pid, parentFdVar: readFileSync(envFile, 'utf8').trim() };
}

describe('npm start (tools/bin/dev.js)', () => {
  it('shows the bound addresses and the dashboard; SIGKILL of it leaves no coordinator or bot', async () => {
    const launcher = startLauncher();
    const { grpc, http } = await ready(launcher);
    expect(grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(grpc).not.toBe('127.0.0.1:0');
    expect(launcher.output()).toContain(`dashboard    http://${http}/ `);
    const health = (await (await fetch(`http://${http}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toMatchObject({ status: 'ok', version: expect.any(String) });
    expect(health['commit']).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);

    const { coordinator, bot } = children();
    launcher.proc.kill('SIGKILL');
    await launcher.exited;
    await until(
      'the coordinator and the bot are gone',
      () => !running(coordinator) && !running(bot),
      10_000,
    );
  });

  it('SIGKILL of it with a task running: the bot kills the task and nothing is left', async () => {
    const launcher = startLauncher();
    const { grpc } = await ready(launcher);
    const payload = await runSleeper(grpc);
    expect(payload.parentFdVar).toBe('unset');
    const { coordinator, bot } = children();

    launcher.proc.kill('SIGKILL');
    await launcher.exited;
    await until(
      'the coordinator, the bot and the payload are gone',
      () => !running(coordinator) && !running(bot) && !running(payload.pid),
      10_000,
    );
  });

  it('two Ctrl-C with a task running: the task is killed and all stop within its grace period', async () => {
    const launcher = startLauncher();
    const { grpc } = await ready(launcher);
    const payload = await runSleeper(grpc);
    const { coordinator, bot } = children();

    launcher.proc.kill('SIGINT');
    await launcher.waitFor(/Ctrl-C again to stop at once/);
    // The bot is draining (its first signal): the task would be let finish.
    await launcher.waitFor(/stopping: no new tasks, the running one may finish/);
    expect(running(payload.pid)).toBe(true);

    launcher.proc.kill('SIGINT');
    const [code] = await Promise.race([
      launcher.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('launcher still running after 10 s')), 10_000),
      ),
    ]);
    expect(code).toBe(0);
    const out = launcher.output();
    expect(out).toMatch(/Stopping now: the bot kills its running task/);
    expect(out).toMatch(/stopping now: killing the running task/);
    // The bot reported the kill to the coordinator, which was stopped only after.
    expect(out).toMatch(/coordinator +task state changed .*from=RUNNING to=KILLED/);
    expect(running(payload.pid)).toBe(false);
    expect(running(bot)).toBe(false);
    await until('the coordinator is gone', () => !running(coordinator), 5_000);
  });
});
