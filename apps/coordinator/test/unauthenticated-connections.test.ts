// Connections that never authenticate: dashboard WebSockets that send no `auth`
// message and BotApi streams that send no Hello are capped per address and in total — the oldest
// make room, so a flood never keeps a real client out — and closed after a short timeout.
import { status, type ServiceError } from '@grpc/grpc-js';
import { once } from 'node:events';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { compileCoordinatorConfig, startCoordinator, type RunningCoordinator } from '../src/index';
import { CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHENTICATED } from '../src/dashboard/live-hub';
import { readToken, tempDir } from './harness';
import { LiveSocket } from './dashboard/live-socket';
import { ScriptedBot } from './scripted-bot';

const TIMEOUT_MS = 1_500;
const CAPS = {
  botHello: { perPeer: 4, total: 8, timeoutMs: TIMEOUT_MS },
  dashboardSocket: { perPeer: 3, total: 6, timeoutMs: TIMEOUT_MS },
};

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
const opened: Array<{ close(): void }> = [];

beforeAll(async () => {
  dir = tempDir('drover-unauth-');
  const config = compileCoordinatorConfig({
    listen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir: dir.path,
  });
  coord = await startCoordinator(config, {
    log: pino({ level: process.env['DROVER_TEST_LOG'] ?? 'silent' }),
    connectionCaps: CAPS,
  });
});

afterAll(async () => {
  for (const c of opened) c.close();
  await coord?.close();
  dir?.remove();
});

/** A raw socket on /ws, open, that never authenticates; resolves with when it closed, and how. */
async function idleSocket(): Promise<{
  ws: WebSocket;
  openedAtMs: number;
  closed: Promise<{ code: number; reason: string; atMs: number }>;
}> {
  const ws = new WebSocket(`ws://${coord.httpAddress}/ws`);
  opened.push({ close: () => ws.terminate() });
  const closed = new Promise<{ code: number; reason: string; atMs: number }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason), atMs: Date.now() })),
  );
  await once(ws, 'open');
  return { ws, openedAtMs: Date.now(), closed };
}

async function authenticated(): Promise<LiveSocket> {
  const s = new LiveSocket(coord);
  opened.push({ close: () => s.ws.terminate() });
  await s.open();
  s.send({ type: 'auth', token: readToken(dir.path, 'client') });
  await s.next((m) => m.type === 'ready', 5_000);
  return s;
}

/** A bot stream with the bot token that sends nothing; resolves its status when it ends. */
interface SilentStream {
  readonly ended: Promise<{ code: number; atMs: number }>;
  /** Its end, once it came. */
  done: { code: number; atMs: number } | undefined;
}

function silentStream(): SilentStream {
  const bot = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  opened.push({ close: () => bot.crash() });
  const stream: SilentStream = {
    ended: bot.ended(TIMEOUT_MS + 10_000).then((err) => {
      stream.done = { code: (err as ServiceError).code, atMs: Date.now() };
      return stream.done;
    }),
    done: undefined,
  };
  return stream;
}

describe('dashboard WebSockets that never authenticate', () => {
  it('are closed after the timeout (4401)', async () => {
    const s = await idleSocket();
    const closed = await s.closed;
    expect(closed.code).toBe(CLOSE_UNAUTHENTICATED);
    expect(closed.reason).toBe('no auth message');
    expect(closed.atMs - s.openedAtMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(closed.atMs - s.openedAtMs).toBeLessThan(TIMEOUT_MS + 2_000);
  });

  it('past the cap from one address, close the oldest (1013), while authenticated clients work', async () => {
    const before = await authenticated();
    const flood = [];
    for (let i = 0; i < CAPS.dashboardSocket.perPeer + 2; i++) flood.push(await idleSocket());
    // The two oldest made room: closed at once, long before the timeout.
    for (const s of flood.slice(0, 2)) {
      const closed = await s.closed;
      expect(closed.code).toBe(CLOSE_TRY_AGAIN_LATER);
      expect(closed.atMs - s.openedAtMs).toBeLessThan(TIMEOUT_MS - 500);
    }
    // The others are still open, and as many as the cap allows are pending.
    for (const s of flood.slice(2)) expect(s.ws.readyState).toBe(WebSocket.OPEN);
    // An authenticated socket is not among them: the one from before still works, and a new one
    // gets in while the flood is there.
    const after = await authenticated();
    for (const s of [before, after]) {
      s.send({ type: 'subscribe', topics: ['tasks'] });
      s.send({ type: 'no-such-type' });
      await s.next((m) => m.type === 'error', 5_000);
      expect(s.closed).toBeUndefined();
    }
    // The flood left after it is closed by the timeout.
    for (const s of flood.slice(2)) {
      const closed = await s.closed;
      expect([CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHENTICATED]).toContain(closed.code);
    }
    expect(before.closed).toBeUndefined();
    expect(after.closed).toBeUndefined();
  });
});

describe('BotApi streams that never send Hello', () => {
  it('are closed DEADLINE_EXCEEDED after the timeout', async () => {
    const startedAtMs = Date.now();
    const { ended } = silentStream();
    const end = await ended;
    expect(end.code).toBe(status.DEADLINE_EXCEEDED);
    expect(end.atMs - startedAtMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(end.atMs - startedAtMs).toBeLessThan(TIMEOUT_MS + 2_000);
  });

  it('past the cap, the oldest are closed RESOURCE_EXHAUSTED, and a flood does not keep a real bot out', async () => {
    const n = 3 * CAPS.botHello.perPeer;
    const flood = Array.from({ length: n }, () => silentStream());
    // All but the newest perPeer made room for the ones after them.
    const evicted = await Promise.all(
      flood.slice(0, n - CAPS.botHello.perPeer).map(async (f) => (await f.ended).code),
    );
    const codes = new Map<number, number>();
    for (const code of evicted) codes.set(code, (codes.get(code) ?? 0) + 1);
    expect(codes.get(status.RESOURCE_EXHAUSTED) ?? 0).toBeGreaterThanOrEqual(
      n - 2 * CAPS.botHello.perPeer,
    );
    // A real bot connects meanwhile: it says Hello at once and gets its Welcome.
    const real = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
    opened.push({ close: () => real.crash() });
    real.hello('real-after-flood');
    await real.next((m) => m.welcome !== undefined && m.welcome !== null, 5_000);
    expect(coord.registry.isConnected('real-after-flood')).toBe(true);
    // It came while the cap was full: some of the flood were still waiting for their timeout.
    expect(flood.filter((f) => f.done === undefined).length).toBeGreaterThan(0);
    // Every flood stream ends, by eviction or by the timeout; the real bot stays.
    const all = await Promise.all(flood.map((f) => f.ended));
    for (const end of all) {
      expect([status.RESOURCE_EXHAUSTED, status.DEADLINE_EXCEEDED]).toContain(end.code);
    }
    expect(coord.registry.isConnected('real-after-flood')).toBe(true);
  });
});
