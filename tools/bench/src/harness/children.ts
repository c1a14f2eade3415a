import type { ChildProcess } from 'node:child_process';

/**
 * Every child process a benchmark starts is registered here, so that none outlives the run: each
 * is SIGKILLed when the bench process exits, however it exits (error, Ctrl-C, process.exit).
 */
const live = new Set<ChildProcess>();
let hooked = false;

export function trackChild(child: ChildProcess): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Asks a child to stop with `signal`, SIGKILLs it after `graceMs`, resolves once it is gone. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}
