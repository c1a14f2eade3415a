import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,libs,tools}/*/test/**/*.test.ts'],
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
  },
});
