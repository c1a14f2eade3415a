import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, compileCoordinatorConfig, parseCoordinatorArgs } from '../src/index';
import { tempDir } from './harness';

const BIN = fileURLToPath(new URL('../bin/drover-coordinator.js', import.meta.url));

describe('coordinator settings', () => {
  it('takes flags over DROVER_* variables, and variables over defaults', () => {
    const parsed = parseCoordinatorArgs(['--listen', '127.0.0.1:9000'], {
      DROVER_LISTEN: '127.0.0.1:8000',
      DROVER_DATA_DIR: '/tmp/x',
      DROVER_BOT_PING_TOLERANCE: '5',
    });
    if (parsed.help) throw new Error('unexpected help');
    const config = compileCoordinatorConfig(parsed.options);
    expect(config).toMatchObject({
      listen: '127.0.0.1:9000',
      dataDir: '/tmp/x',
      botPingToleranceMs: 5000,
    });
    expect(config.httpListen).toBe('127.0.0.1:7071');
  });

  it('keeps the heartbeat at most a third of the ping tolerance', () => {
    expect(compileCoordinatorConfig({ botPingToleranceSecs: 3 }).heartbeatIntervalMs).toBe(1000);
    expect(compileCoordinatorConfig({}).heartbeatIntervalMs).toBe(10_000);
  });

  const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['an unknown flag', ['--bogus'], {}, /bogus/],
    ['a bad address', ['--listen', 'nowhere'], {}, /^listen:/],
    [
      'a non-number from the environment',
      [],
      { DROVER_BOT_PING_TOLERANCE: 'soon' },
      /DROVER_BOT_PING_TOLERANCE/,
    ],
    ['a tolerance below 1 s', ['--bot-ping-tolerance', '0'], {}, /bot-ping-tolerance/],
    ['an unknown log level', ['--log-level', 'loud'], {}, /log-level/],
  ];
  it.each(bad)('refuses %s with a ConfigError naming it', (_what, argv, env, message) => {
    expect(() => {
      const parsed = parseCoordinatorArgs(argv, env);
      if (!parsed.help) compileCoordinatorConfig(parsed.options);
    }).toThrow(ConfigError);
    expect(() => {
      const parsed = parseCoordinatorArgs(argv, env);
      if (!parsed.help) compileCoordinatorConfig(parsed.options);
    }).toThrow(message);
  });

  it('exits 2 naming the field when the tokens file is malformed', () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.path, 'tokens.json'),
        JSON.stringify({ version: 1, clients: [{ name: 'x', sha256: 'abc' }] }),
      );
      const run = spawnSync(
        process.execPath,
        [BIN, '--data-dir', dir.path, '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/clients\[0\]\.sha256/);
    } finally {
      dir.remove();
    }
  });
});
