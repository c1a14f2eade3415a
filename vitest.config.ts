import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const ALL = '{apps,libs,tools}/*/test/**/*.test.ts';
/**
 * A fresh process each: files that replace a module (vi.mock) or the clock for all of their
 * process, and one that measures an in-process coordinator's event-loop responsiveness (a heap
 * grown by earlier files would time their garbage collection, not the coordinator).
 */
const OWN_PROCESS = [
  'apps/bot/test/group-record-before-spawn.test.ts',
  'apps/bot/test/shutdown-parent-gone.test.ts',
  'apps/coordinator/test/unit/task-ping-tolerance.test.ts',
  'apps/coordinator/test/limits/largest-request.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    // Vitest's default is one worker per core but one (2 cores here: 1 worker). Most test files
    // wait on real processes, sockets and disks rather than compute, so two share 2 cores well.
    maxWorkers: Math.max(2, availableParallelism()),
    // Bots started by tests must not quarantine themselves on a small CI disk; the low-disk
    // check has its own tests with an injected probe.
    env: { DROVER_MIN_FREE_DISK: '0' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // In CI a JSON report too: .ci/run prints its one-line summary.
    reporters: process.env['CI']
      ? ['default', ['json', { outputFile: 'test-output/vitest.json' }]]
      : ['default'],
    projects: [
      {
        extends: true,
        // A worker runs file after file in one process: the modules every file imports (the
        // coordinator, grpc-js, the stores) load once per worker instead of once per file.
        test: { name: 'shared', include: [ALL], exclude: OWN_PROCESS, isolate: false },
      },
      { extends: true, test: { name: 'own-process', include: OWN_PROCESS } },
    ],
  },
});
