// SilenceWatch and LoopStalls with real timers and a real peer: a worker thread writes to a TCP
// socket every 20 ms while this thread's event loop is blocked (Atomics.wait, as a request that
// takes seconds to process would block it). The bytes wait in the socket; the watch must read
// them before judging, and not count the block as the peer's silence.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopStalls } from '../../src/stalls/loop-stalls';
import { SilenceWatch } from '../../src/stalls/silence-watch';

const TOLERANCE_MS = 300;

/** Writes one byte every 20 ms to 127.0.0.1:port until told 'stop'. */
const PEER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const socket = net.connect(workerData.port, '127.0.0.1');
const timer = setInterval(() => socket.write('.'), 20);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage('stopped'); });
`;

function blockLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let server: Server | undefined;
let worker: Worker | undefined;
let stalls: LoopStalls | undefined;
let watch: SilenceWatch | undefined;

afterEach(async () => {
  watch?.stop();
  stalls?.close();
  await worker?.terminate();
  server?.close();
});

/** A peer writing to us; resolves with its socket here and the times it was heard. */
async function peer(): Promise<{ heard: { lastMs: number; count: number }; socket: Socket }> {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  worker = new Worker(PEER, { eval: true, workerData: { port } });
  const [socket] = await accepted;
  const heard = { lastMs: Date.now(), count: 0 };
  socket.on('data', () => {
    heard.lastMs = Date.now();
    heard.count++;
  });
  return { heard, socket };
}

function watchPeer(heard: { lastMs: number }): { silentAt: Promise<number> } {
  stalls = new LoopStalls({ clock: Date.now });
  stalls.start();
  let silent!: (atMs: number) => void;
  const silentAt = new Promise<number>((resolve) => (silent = resolve));
  watch = new SilenceWatch({
    stalls,
    toleranceMs: TOLERANCE_MS,
    lastHeardMs: () => heard.lastMs,
    onSilent: () => silent(Date.now()),
  });
  watch.start();
  return { silentAt };
}

/** Resolves once the peer was heard `n` more times; rejects at the deadline. */
async function heardMore(heard: { count: number }, n: number, deadlineMs: number): Promise<void> {
  const target = heard.count + n;
  const deadlineAtMs = Date.now() + deadlineMs;
  while (heard.count < target) {
    if (Date.now() > deadlineAtMs) throw new Error(`peer not heard ${n} more times`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SilenceWatch', () => {
  it('does not find a peer that wrote throughout a 4× tolerance block of the loop silent', async () => {
    const { heard } = await peer();
    await heardMore(heard, 3, 5_000);
    const { silentAt } = watchPeer(heard);
    let silent = false;
    void silentAt.then(() => (silent = true));
    blockLoop(4 * TOLERANCE_MS);
    // Past the block, the peer is read again for longer than the tolerance: every check the
    // block made late has had its turn, and a later one would find the peer heard.
    const resumedAtMs = Date.now();
    await heardMore(heard, 3, 5_000);
    while (Date.now() - resumedAtMs < 2 * TOLERANCE_MS) await heardMore(heard, 1, 5_000);
    expect(silent).toBe(false);
    // Seen from the sampling timer's due time (up to 100 ms into the block) to its end.
    expect(stalls!.longestMs).toBeGreaterThanOrEqual(4 * TOLERANCE_MS - 150);
  });

  it('finds a peer that stopped writing silent within the tolerance (+ 100 ms)', async () => {
    const { heard } = await peer();
    await heardMore(heard, 3, 5_000);
    const { silentAt } = watchPeer(heard);
    worker!.postMessage('stop');
    await once(worker!, 'message');
    const stoppedAtMs = Date.now();
    const atMs = await silentAt;
    expect(atMs - heard.lastMs).toBeGreaterThanOrEqual(TOLERANCE_MS);
    expect(atMs - stoppedAtMs).toBeLessThanOrEqual(TOLERANCE_MS + 100);
  });

  it('after a block, gives a peer that stopped before it the rest of its tolerance, no more', async () => {
    const { heard } = await peer();
    await heardMore(heard, 3, 5_000);
    const { silentAt } = watchPeer(heard);
    worker!.postMessage('stop');
    await once(worker!, 'message');
    const lastHeardMs = heard.lastMs;
    const blockedAtMs = Date.now();
    blockLoop(4 * TOLERANCE_MS);
    const resumedAtMs = Date.now();
    const atMs = await silentAt;
    // Silent for the tolerance in time this thread ran: what it ran before the block (the stall
    // is seen from the sampling timer's due time, up to 100 ms into the block), the rest after.
    const ranBeforeMs = blockedAtMs - lastHeardMs;
    expect(atMs - resumedAtMs).toBeGreaterThanOrEqual(TOLERANCE_MS - ranBeforeMs - 150);
    expect(atMs - resumedAtMs).toBeLessThanOrEqual(TOLERANCE_MS - ranBeforeMs + 100);
  });
});
