import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, trackChild } from '../../harness/children';

/**
 * What BullMQ on an append-only Redis keeps after a crash: Redis writes the AOF before it
 * answers, and fsyncs it once a second.
 */
export const DURABLE_REDIS_KEEPS =
  'appendonly=yes, appendfsync=everysec: an acknowledged add survives a Redis process crash (the AOF is written before the reply); an OS crash may lose the last ~1 s (2 s at worst)';

/** A redis-server of this run: its port, and stop() (also done when the bench process exits). */
export interface DurableRedis {
  readonly host: '127.0.0.1';
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a second redis-server for the durable BullMQ rows of `peers`: on 127.0.0.1 and a free
 * port, with `appendonly yes`, `appendfsync everysec` and no RDB snapshots, its files in a fresh
 * temp dir. It is a tracked child (SIGKILLed if the bench process exits without stop()); stop()
 * ends it and removes the dir. Resolves once it answers PING, or rejects within `timeoutMs`.
 */
export async function startDurableRedis(timeoutMs = 10_000): Promise<DurableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-redis-'));
  let child: ChildProcess | undefined;
  // An exit without stop() (an uncaught error): the child is SIGKILLed (trackChild), the dir goes.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const stop = async () => {
    if (child !== undefined) await stopChild(child, 'SIGTERM', 3000);
    removeDir();
    process.off('exit', removeDir);
  };
  try {
    // The port is free when asked; another process may take it before redis binds it: then
    // redis exits and the next port is tried.
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      child = trackChild(
        spawn(
          'redis-server',
          [
            '--bind',
            '127.0.0.1',
            '--port',
            String(port),
            '--dir',
            dir,
            '--appendonly',
            'yes',
            '--appendfsync',
            'everysec',
            '--save',
            '',
            '--protected-mode',
            'yes',
            '--daemonize',
            'no',
            '--logfile',
            '',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      const started = await answersPing(child, port, timeoutMs);
      if (started === true) return { host: '127.0.0.1', port, stop };
      if (attempt >= 2) throw new Error(`durable redis-server did not start: ${started}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** true once the server answers +PONG; otherwise why not (it exited, or the deadline passed). */
async function answersPing(
  child: ChildProcess,
  port: number,
  timeoutMs: number,
): Promise<true | string> {
  const deadline = performance.now() + timeoutMs;
  // Its log (stdout) says why it stopped; read on, and keep only the start of it.
  let stderr = '';
  const keep = (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      return `exited (${child.exitCode ?? child.signalCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
    if (await pingOnce(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return `no PONG on 127.0.0.1:${port} within ${timeoutMs} ms`;
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let got = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}
