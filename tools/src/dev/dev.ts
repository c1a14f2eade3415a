import { PARENT_FD_ENV } from '@drover/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { banner } from './banner';
import { formatLogLine } from './format-log-line';
import { NO_CTRL_C, STOP_STEP_TEXT, countStopSignal, stopStep, type StopStep } from './stop-steps';

/**
 * `npm start`: one coordinator (gRPC 127.0.0.1:7070, HTTP 127.0.0.1:7071, SQLite in ./.drover)
 * and one local bot in pool "default", their logs formatted for people. Ctrl-C stops both (what
 * each Ctrl-C does: stop-steps.ts). Environment: DROVER_DATA_DIR, DROVER_LISTEN,
 * DROVER_HTTP_LISTEN (port 0 picks a free port; the banner says which), DROVER_BOT_ID.
 *
 * The children run in their own process groups, so that a Ctrl-C reaches only this launcher,
 * which then stops each one in order. Each also holds one end of a pipe (fd 3, named by
 * DROVER_PARENT_FD) whose other end only this process has: if the launcher dies, even by SIGKILL,
 * they read its end and stop at once (libs/protocol parent-watch.ts).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const env = process.env;
const dataDir = resolve(env['DROVER_DATA_DIR'] || join(root, '.drover'));
const grpcListen = env['DROVER_LISTEN'] || '127.0.0.1:7070';
const httpListen = env['DROVER_HTTP_LISTEN'] || '127.0.0.1:7071';
const botId = env['DROVER_BOT_ID'] || (hostname().split('.')[0] ?? '') || 'local-bot';
const quiet = process.argv.includes('--quiet');
/** Run by npm, one Ctrl-C may arrive twice within a few ms (stop-steps.ts countStopSignal). */
const echoWindowMs = env['npm_lifecycle_event'] === undefined ? 0 : 250;

type Phase = 'starting-coordinator' | 'starting-bot' | 'running' | 'stopping';
let phase: Phase = 'starting-coordinator';

interface Child {
  readonly name: 'coordinator' | 'bot';
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  /** SIGTERMs sent so far: the children count them as this launcher counts Ctrl-C. */
  terms: number;
}
let coordinator: Child | undefined;
let bot: Child | undefined;
let ctrlC = NO_CTRL_C;
let exitCode = 0;

const alive = (c: Child | undefined): c is Child =>
  c !== undefined && c.proc.exitCode === null && c.proc.signalCode === null;

function send(c: Child | undefined, signal: 'SIGTERM' | 'SIGKILL'): void {
  if (!alive(c)) return;
  if (signal === 'SIGTERM') c.terms += 1;
  c.proc.kill(signal);
}

function start(
  name: Child['name'],
  bin: string,
  args: string[],
  onLine: (rec: Record<string, unknown>) => void,
): Child {
  const proc = spawn(process.execPath, [join(root, bin), ...args], {
    cwd: root,
    env: { ...env, DROVER_DATA_DIR: dataDir, [PARENT_FD_ENV]: '3' },
    // fd 3: the parent pipe. Nothing is written on it; its end is the news.
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  proc.stdio[3]?.on('error', () => {});
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON: printed below as it is
      }
      if (!quiet || phase !== 'running') process.stdout.write(`${formatLogLine(name, line)}\n`);
    });
  }
  proc.on('exit', (code, signal) => {
    if (phase === 'stopping') return;
    process.stderr.write(
      `\n${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping.\n`,
    );
    exitCode = 1;
    void stopInOrder();
  });
  return { name, proc, exited, terms: 0 };
}

let stopping: Promise<void> | undefined;

/**
 * The bot first, so that it reports its running task (if any) before the coordinator goes; each
 * gets its first SIGTERM here unless a Ctrl-C already sent one. Then this process exits.
 */
function stopInOrder(): Promise<void> {
  phase = 'stopping';
  stopping ??= (async () => {
    for (const child of [bot, coordinator]) {
      if (!alive(child)) continue;
      if (child.terms === 0) send(child, 'SIGTERM');
      await child.exited;
    }
    process.exit(exitCode);
  })();
  return stopping;
}

function onStopSignal(): void {
  const counted = countStopSignal(ctrlC, performance.now(), echoWindowMs);
  ctrlC = counted.state;
  if (!counted.counted) return;
  const step: StopStep = stopStep(ctrlC.count);
  process.stdout.write(`\n${STOP_STEP_TEXT[step]}\n`);
  switch (step) {
    case 'drain':
      void stopInOrder();
      return;
    case 'now':
      send(bot, 'SIGTERM');
      // A coordinator already stopping exits at once; one still waiting for the bot is stopped
      // by stopInOrder as soon as the bot is gone (it must hear the killed task's result first).
      if (coordinator !== undefined && coordinator.terms > 0) send(coordinator, 'SIGTERM');
      void stopInOrder();
      return;
    case 'kill':
      exitCode = 130;
      // Its third signal makes the bot SIGKILL its task's process group and exit; a bot that
      // had it already gets SIGKILL (its task's group is swept when it starts again).
      send(bot, bot?.terms === 2 ? 'SIGTERM' : 'SIGKILL');
      send(coordinator, 'SIGKILL');
      void stopInOrder();
      return;
  }
}

function main(): void {
  if (!existsSync(join(root, 'node_modules'))) {
    process.stderr.write('node_modules is missing: run `npm ci` first.\n');
    process.exit(2);
  }
  // An exception here ends this process: the children see their parent pipe close and stop.
  process.on('SIGINT', onStopSignal);
  process.on('SIGTERM', onStopSignal);
  coordinator = start(
    'coordinator',
    'apps/coordinator/bin/drover-coordinator.js',
    [
      ...['--listen', grpcListen, '--http-listen', httpListen, '--data-dir', dataDir],
      // This launcher reads its records (coordinator ready) and formats them itself.
      ...['--log-format', 'json'],
    ],
    (rec) => {
      if (rec['msg'] !== 'coordinator ready' || phase !== 'starting-coordinator') return;
      phase = 'starting-bot';
      const ready = {
        grpc: String(rec['grpc']),
        http: String(rec['http']),
        tls: rec['tls'] === true,
      };
      bot = start(
        'bot',
        'apps/bot/bin/drover-bot.js',
        ['--server', ready.grpc, '--data-dir', dataDir, '--id', botId, '--pool', 'default'],
        (botRec) => {
          if (botRec['msg'] !== 'bot ready' || phase !== 'starting-bot') return;
          phase = 'running';
          process.stdout.write(banner({ ...ready, dataDir, cwd: process.cwd(), botId }));
        },
      );
    },
  );
}

main();
