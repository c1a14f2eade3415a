#!/usr/bin/env node
// The plain baseline's process (src/harness/plain-spawner.ts): a small Node process with execa and
// nothing else, because a process's spawn cost grows with its memory (fork copies its page tables),
// and the bench process may hold a large heap. Plain JavaScript, without tsx, to stay small.
// IPC: { type: 'sample', id, command } → { type: 'sample', id, payloadStartMs, exitSeenMs } (ms
// from just before the spawn, the payload's stamp being `date +%s%N`);
// { type: 'loop', id, command, count, concurrency } → { type: 'loop', id, elapsedMs }.
import { execa } from 'execa';

if (!process.send) {
  process.stderr.write('bench-plain-spawner: run by tools/bench over IPC\n');
  process.exit(2);
}

// Wall clock with µs precision, anchored on a Date.now() tick (as harness/wall-clock.ts).
let offsetMs = 0;
function anchor() {
  const first = Date.now();
  let tick = first;
  let mono = performance.now();
  while (tick === first) {
    tick = Date.now();
    mono = performance.now();
  }
  offsetMs = tick - mono;
}
anchor();
setInterval(anchor, 1000).unref();
const nowMs = () => offsetMs + performance.now();

async function sample(m) {
  const [file, ...args] = m.command;
  const t0 = nowMs();
  const r = await execa(file, args, { stdin: 'ignore' });
  const exitSeenMs = nowMs() - t0;
  const stampMs = Number(BigInt(r.stdout.trim()) / 1000n) / 1000;
  return { type: 'sample', id: m.id, payloadStartMs: stampMs - t0, exitSeenMs };
}

async function loop(m) {
  const [file, ...args] = m.command;
  let next = 0;
  const lane = async () => {
    while (next < m.count) {
      next++;
      await execa(file, args, { stdin: 'ignore' });
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, m.concurrency) }, lane));
  return { type: 'loop', id: m.id, elapsedMs: performance.now() - t0 };
}

process.on('message', (m) => {
  const run = m.type === 'sample' ? sample(m) : loop(m);
  run.then(
    (reply) => process.send?.(reply),
    (err) => process.send?.({ type: 'error', id: m.id, error: String(err?.message ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
