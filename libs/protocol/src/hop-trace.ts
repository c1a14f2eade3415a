import { appendFile, appendFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Per-hop timestamps of a task's way through Drover, for the `latency` benchmark (tools/bench)
 * only. With DROVER_TRACE_DIR set when the process starts, traceHop() keeps `<taskId> <hop> <ms>`
 * lines and appends them, shortly after (off the path being measured), to `<dir>/<pid>.trace`.
 * Unset (always, outside the benchmark), every call is one test of a constant: nothing is kept,
 * no clock is read.
 *
 * The clock is CLOCK_MONOTONIC in ms (process.hrtime): one clock for every process on the
 * machine. `performance.timeOrigin + performance.now()` is not: each process fixes its time
 * origin from the real-time clock as it starts, and two processes' origins differ by up to a ms.
 */

const TRACE_DIR = process.env.DROVER_TRACE_DIR ?? '';

/** Tracing is on in this process (DROVER_TRACE_DIR was set at its start). */
export const traceOn = TRACE_DIR !== '';

/** The trace clock: CLOCK_MONOTONIC, ms with ns digits; 0 when tracing is off. */
export function traceNowMs(): number {
  return traceOn ? Number(process.hrtime.bigint()) / 1e6 : 0;
}

let pending: string[] = [];
let flushTimer: NodeJS.Timeout | undefined;
const traceFile = traceOn ? path.join(TRACE_DIR, `${process.pid}.trace`) : '';

/** Records that `taskId` passed `hop` now (or at `atMs`, a traceNowMs() taken earlier). */
export function traceHop(taskId: string, hop: string, atMs?: number): void {
  if (!traceOn) return;
  pending.push(`${taskId} ${hop} ${(atMs ?? traceNowMs()).toFixed(4)}\n`);
  if (flushTimer === undefined) {
    flushTimer = setTimeout(flushTrace, 20);
    flushTimer.unref();
  }
}

function flushTrace(): void {
  flushTimer = undefined;
  const text = pending.join('');
  pending = [];
  if (text !== '') appendFile(traceFile, text, () => {});
}

if (traceOn) {
  process.on('exit', () => {
    if (pending.length > 0) appendFileSync(traceFile, pending.join(''));
  });
}
