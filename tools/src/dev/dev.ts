import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatLogLine } from './format-log-line';

/**
 * `npm start`: one coordinator (gRPC 127.0.0.1:7070, HTTP 127.0.0.1:7071, SQLite in ./.drover)
 * and one local bot in pool "default", their logs formatted for people. Ctrl-C stops both.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = join(root, '.drover');
const grpcAddress = process.env['DROVER_LISTEN'] ?? '127.0.0.1:7070';
const httpAddress = process.env['DROVER_HTTP_LISTEN'] ?? '127.0.0.1:7071';
const botId = process.env['DROVER_BOT_ID'] ?? hostname().split('.')[0] ?? 'local-bot';
const quiet = process.argv.includes('--quiet');

type Phase = 'starting-coordinator' | 'starting-bot' | 'running' | 'stopping';
let phase: Phase = 'starting-coordinator';
const children: ChildProcess[] = [];

function start(
  name: string,
  bin: string,
  args: string[],
  onLine: (rec: Record<string, unknown>) => void,
): ChildProcess {
  const child = spawn(process.execPath, [join(root, bin), ...args], {
    cwd: root,
    env: { ...process.env, DROVER_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches only this launcher, which then stops each child once.
    detached: true,
  });
  children.push(child);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON: printed below as it is
      }
      if (!quiet || phase !== 'running') process.stdout.write(`${formatLogLine(name, line)}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (phase !== 'stopping') {
      process.stderr.write(
        `\n${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping.\n`,
      );
      void stopAll(1);
    }
  });
  return child;
}

async function stopAll(exitCode: number): Promise<void> {
  if (phase === 'stopping') return;
  phase = 'stopping';
  // The bot first, so that it reports its running task (if any) before the coordinator goes.
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  process.exit(exitCode);
}

function banner(): void {
  const rel = relative(process.cwd(), dataDir) || '.';
  process.stdout.write(`
  Drover is running.
    gRPC         ${grpcAddress}
    HTTP         http://${httpAddress}/healthz
    store        ${rel}/drover.sqlite (SQLite)
    tokens       ${rel}/client.token (the CLI finds it), ${rel}/bot.token
    bot          ${botId} in pool "default"

  Try it, in another shell in this directory:
    id=$(npx drover submit -d pool=default -- sh -c 'echo hi; exit 3')
    npx drover wait $id          # PENDING → RUNNING → COMPLETED, exits 3
    npx drover logs $id          # hi
    npx drover result $id --json

  Ctrl-C stops the coordinator and the bot.

`);
}

function main(): void {
  if (!existsSync(join(root, 'node_modules'))) {
    process.stderr.write('node_modules is missing: run `npm ci` first.\n');
    process.exit(2);
  }
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  });
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  start(
    'coordinator',
    'apps/coordinator/bin/drover-coordinator.js',
    ['--listen', grpcAddress, '--http-listen', httpAddress, '--data-dir', dataDir],
    (rec) => {
      if (rec['msg'] === 'coordinator ready' && phase === 'starting-coordinator') {
        phase = 'starting-bot';
        start(
          'bot',
          'apps/bot/bin/drover-bot.js',
          ['--server', grpcAddress, '--data-dir', dataDir, '--id', botId, '--pool', 'default'],
          (botRec) => {
            if (botRec['msg'] === 'bot ready' && phase === 'starting-bot') {
              phase = 'running';
              banner();
            }
          },
        );
      }
    },
  );
}

main();
