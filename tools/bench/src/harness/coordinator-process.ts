// The child side of coordinator-child.ts: starts a real coordinator on 127.0.0.1:0 with its store
// in the data dir given as argv[2] (or on the PostgreSQL store the settings in argv[3] name), reports
// when it serves, answers stats, stops when asked.
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks drive the real coordinator
import { compileCoordinatorConfig, startCoordinator } from '../../../../apps/coordinator/src/index';
import type {
  CoordinatorSettings,
  CoordinatorStats,
  FromCoordinator,
  ToCoordinator,
} from './coordinator-ipc';

const dataDir = process.argv[2];
const { inputAffinity, ...settings } = JSON.parse(process.argv[3] ?? '{}') as CoordinatorSettings;
const send = (message: FromCoordinator) => process.send?.(message);

if (dataDir === undefined || process.send === undefined) {
  process.stderr.write(
    'bench-coordinator: run by tools/bench (IPC), with the data dir as argument\n',
  );
  process.exit(2);
}

const config = compileCoordinatorConfig({
  listen: '127.0.0.1:0',
  httpListen: '127.0.0.1:0',
  dataDir,
  logLevel: 'error',
  ...settings,
});
const log = pino({ level: config.logLevel }, pino.destination(2));

let running: Awaited<ReturnType<typeof startCoordinator>> | undefined;

/**
 * process.memoryUsage() reads /proc and needs a free file descriptor: with every descriptor
 * taken by bot connections (fleet at the fd limit) it throws EMFILE. Then the heap comes from V8
 * and the RSS is left to the parent, which reads /proc/<pid>/status itself (-1 here).
 */
function memory(): Pick<
  CoordinatorStats,
  'rssBytes' | 'heapUsedBytes' | 'heapTotalBytes' | 'externalBytes'
> {
  try {
    const mem = process.memoryUsage();
    return {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
    };
  } catch {
    const heap = getHeapStatistics();
    return {
      rssBytes: -1,
      heapUsedBytes: heap.used_heap_size,
      heapTotalBytes: heap.total_heap_size,
      externalBytes: heap.external_memory,
    };
  }
}

function stats(gc: boolean): CoordinatorStats {
  if (gc) globalThis.gc?.();
  const cpu = process.cpuUsage();
  return {
    ...memory(),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    pendingCount: running?.dispatcher.waitingCount ?? 0,
  };
}

process.on('message', (message: ToCoordinator) => {
  switch (message.type) {
    case 'stats':
      send({ type: 'stats', stats: stats(message.gc) });
      break;
    case 'stop':
      void (running?.close() ?? Promise.resolve()).finally(() => {
        send({ type: 'stopped' });
        process.disconnect();
        // Exit now, not when the last handle goes: --cpu-prof writes its profile at exit, and
        // the parent SIGKILLs a child that lingers (no profile then).
        process.exit(0);
      });
      break;
  }
});
// The benchmark went away: do not outlive it.
process.on('disconnect', () => {
  void (running?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});

const t0 = performance.now();
try {
  running = await startCoordinator(config, {
    log,
    ...(inputAffinity === undefined ? {} : { inputAffinity }),
  });
  send({
    type: 'ready',
    grpcAddress: running.grpcAddress,
    startMs: performance.now() - t0,
    stats: stats(false),
  });
} catch (err) {
  send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect();
}
