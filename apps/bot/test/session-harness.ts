import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, expect } from 'vitest';
import { BotSession, type SessionOptions } from '../src/index';
import { sh, tempDir } from './helpers';
import { TestCoordinator, type TestStream } from './test-coordinator';

/**
 * A BotSession against a real TestCoordinator, in a fresh bot dir per test; closed (its tasks
 * killed) after each. Call `useSessionHarness()` at the top of a test file.
 */
export interface SessionHarness {
  readonly root: string;
  coordinator: TestCoordinator;
  readonly session: BotSession | undefined;
  startSession(over?: Partial<SessionOptions>): BotSession;
  /** Opens the first stream and answers its Hello. */
  connected(): Promise<TestStream>;
}

export function useSessionHarness(): SessionHarness {
  let root = '';
  let cleanup: () => Promise<void> = async () => {};
  let session: BotSession | undefined;
  const h: SessionHarness = {
    get root() {
      return root;
    },
    coordinator: undefined as unknown as TestCoordinator,
    get session() {
      return session;
    },
    startSession(over = {}) {
      session = new BotSession({
        server: h.coordinator.address,
        token: 'bot-secret',
        botId: 'bot-a',
        dimensions: { id: ['bot-a'], os: ['Linux'], pool: ['default'] },
        botDir: root,
        version: 'test',
        taskBaseEnv: { PATH: process.env.PATH },
        log: pino({ level: process.env.DROVER_TEST_LOG ?? 'silent' }),
        heartbeatIntervalMs: 50,
        backoff: { initialMs: 20, maxMs: 200, holdingMaxMs: 200 },
        taskOverrides: { graceMs: 300 },
        ackWaitMs: 2_000,
        ...over,
      });
      session.start();
      return session;
    },
    async connected() {
      const stream = await h.coordinator.stream(0);
      await stream.take('hello');
      stream.welcome();
      return stream;
    },
  };
  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir());
    h.coordinator = await TestCoordinator.start();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    h.coordinator.close();
    await cleanup();
  });
  return h;
}

export function assign(
  stream: TestStream,
  taskId: string,
  script: string,
  leaseId = `lease-${taskId}`,
): void {
  stream.send({ assign: { task_id: taskId, lease_id: leaseId, manifest: sh(script) } });
}

/** The pieces' text, checking that they are contiguous. */
export function joined(pieces: { offset: number; data: string }[]): string {
  let offset = pieces[0]?.offset ?? 0;
  for (const p of pieces) {
    expect(p.offset).toBe(offset);
    offset += Buffer.byteLength(p.data);
  }
  return pieces.map((p) => p.data).join('');
}

/** A logger whose JSON lines are kept in `lines`, to check what the session logged. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}
