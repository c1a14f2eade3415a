import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type AccessClient,
  type TasksClient,
} from '@drover/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  compileCoordinatorConfig,
  startCoordinator,
  type CoordinatorOptions,
  type RunningCoordinator,
} from '../src/index';

export function tempDir(prefix = 'drover-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A coordinator in this process on 127.0.0.1:0, SQLite in `dataDir`. */
export async function startTestCoordinator(
  dataDir: string,
  options: CoordinatorOptions = {},
  clock?: () => number,
): Promise<RunningCoordinator> {
  const config = compileCoordinatorConfig({
    listen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir,
    ...options,
  });
  const log = pino({ level: process.env['DROVER_TEST_LOG'] ?? 'silent' });
  return startCoordinator(config, clock === undefined ? { log } : { log, clock });
}

export function readToken(dataDir: string, kind: 'client' | 'bot'): string {
  return readFileSync(join(dataDir, `${kind}.token`), 'utf8').trim();
}

/** A Tasks client; plaintext unless `credentials` are given (e.g. grpc.credentials.createSsl). */
export function tasksStub(
  address: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): TasksClient {
  const proto = loadDroverProto();
  return new proto.drover.v1.Tasks(address, credentials, CLIENT_CHANNEL_OPTIONS);
}

/** An Access client (plaintext). */
export function accessStub(address: string): AccessClient {
  const proto = loadDroverProto();
  return new proto.drover.v1.Access(
    address,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  );
}

/** The self-signed test certificate (CN=localhost, SAN 127.0.0.1) and its key. */
export const TEST_TLS = {
  certFile: fileURLToPath(new URL('./fixtures/tls/server.crt', import.meta.url)),
  keyFile: fileURLToPath(new URL('./fixtures/tls/server.key', import.meta.url)),
} as const;

export function bearer(token: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** Calls a unary method of a stub as a promise. */
export function call<Res>(
  fn: (md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  md: grpc.Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(md, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

/** Resolves once `cond()` holds, checked every 5 ms; throws past the deadline. */
export async function until(cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves when `emitter` emits `event` with a value satisfying `pred`, or rejects at the deadline. */
export function waitForEvent<T>(
  emitter: NodeJS.EventEmitter,
  event: string,
  pred: (value: T) => boolean,
  deadlineMs = 15_000,
): Promise<T> {
  // One listener for the whole wait: events emitted back to back (a task created and dispatched
  // in one step) are all seen.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching '${event}' event within ${deadlineMs} ms`));
    }, deadlineMs);
    const listener = (value: T) => {
      if (!pred(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

const BOT_BIN = new URL('../../bot/bin/drover-bot.js', import.meta.url).pathname;

/** A real bot process connected to `coord`; resolves once the coordinator registered it. */
export async function startBotProcess(
  coord: RunningCoordinator,
  dataDir: string,
  botId: string,
  extraArgs: string[] = [],
): Promise<ChildProcess> {
  const connected = waitForEvent<string>(
    coord.registry.events,
    'connected',
    (id) => id === botId,
    20_000,
  );
  const child = spawn(
    process.execPath,
    [BOT_BIN, '--server', coord.grpcAddress, '--data-dir', dataDir, '--id', botId, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DROVER_LOG_LEVEL: 'warn' } },
  );
  await connected;
  return child;
}

/** Stops a child process (SIGKILL) and waits for it. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
