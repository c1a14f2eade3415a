import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,libs,tools}/*/test/**/*.test.ts'],
    pool: 'forks',
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
