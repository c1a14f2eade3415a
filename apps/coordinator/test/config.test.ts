import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { SETTINGS } from '../src/config-file';
import { createRootLogger } from '../src/log';
import {
  ConfigError,
  compileCoordinatorConfig,
  parseCoordinatorArgs,
  type CoordinatorConfig,
} from '../src/index';
import { tempDir } from './harness';

const BIN = fileURLToPath(new URL('../bin/drover-coordinator.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../drover.example.yaml', import.meta.url));

function compile(argv: string[], env: Record<string, string> = {}): CoordinatorConfig {
  const parsed = parseCoordinatorArgs(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return compileCoordinatorConfig(parsed.options);
}

describe('coordinator settings', () => {
  it('keeps audit entries 90 days unless --audit-retention says otherwise (0 = forever)', () => {
    expect(compile([]).auditRetentionMs).toBe(90 * 24 * 3600_000);
    expect(compile(['--audit-retention', '12h']).auditRetentionMs).toBe(12 * 3600_000);
    expect(compile([], { DROVER_AUDIT_RETENTION: '0' }).auditRetentionMs).toBe(0);
    expect(() => compile(['--audit-retention', 'soon'])).toThrow(
      /audit-retention: must be a duration/,
    );
  });

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
    [
      'no room for output files',
      ['--max-output-files-bytes', '0'],
      {},
      /max-output-files-bytes: must be a whole number of bytes ≥ 1/,
    ],
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

describe('the config file', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());

  const write = (name: string, text: string): string => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  it('is overridden by DROVER_* variables, which are overridden by flags', () => {
    const file = write(
      'drover.yaml',
      'listen: 127.0.0.1:1000\nhttp-listen: 127.0.0.1:1001\nbot-death-timeout: 30\nlog-level: warn\n',
    );
    const config = compile(['--config', file, '--listen', '127.0.0.1:3000'], {
      DROVER_LISTEN: '127.0.0.1:2000',
      DROVER_HTTP_LISTEN: '127.0.0.1:2001',
    });
    expect(config).toMatchObject({
      listen: '127.0.0.1:3000',
      httpListen: '127.0.0.1:2001',
      botDeathTimeoutMs: 30_000,
      logLevel: 'warn',
    });
  });

  it('is found through DROVER_CONFIG, and JSON works as well as YAML', () => {
    const file = write(
      'drover.json',
      JSON.stringify({ 'log-format': 'json', 'heartbeat-interval': 2 }),
    );
    expect(compile([], { DROVER_CONFIG: file })).toMatchObject({
      logFormat: 'json',
      heartbeatIntervalMs: 2000,
    });
  });

  it("resolves relative paths against the file's directory, not the working directory", () => {
    const file = write(
      'drover.yaml',
      'data-dir: state\ntokens-file: ../elsewhere/tokens.yaml\ntls-cert: tls/c.pem\ntls-key: /abs/k.pem\n',
    );
    const config = compile(['--config', file]);
    expect(config.dataDir).toBe(join(dir.path, 'state'));
    expect(config.store).toEqual({
      kind: 'sqlite',
      path: join(dir.path, 'state', 'drover.sqlite'),
    });
    expect(config.tokensFile).toBe(join(dirname(dir.path), 'elsewhere', 'tokens.yaml'));
    expect(config.tls).toEqual({ certFile: join(dir.path, 'tls', 'c.pem'), keyFile: '/abs/k.pem' });
  });

  const badFiles: Array<[string, string, RegExp]> = [
    ['an unknown key', 'listen: 127.0.0.1:1\nlisten-address: x\n', /unknown key "listen-address"/],
    [
      'a number given as text',
      'bot-ping-tolerance: soon\n',
      /bot-ping-tolerance: must be a number/,
    ],
    ['a list where a string goes', 'data-dir: [a, b]\n', /data-dir: must be a non-empty string/],
    ['a list at the top', '- listen\n', /must be a mapping/],
    ['broken YAML', 'listen: [\n', /not valid YAML/],
  ];
  it.each(badFiles)(
    'refuses %s with a ConfigError naming the key and the file',
    (_w, text, msg) => {
      const file = write('bad.yaml', text);
      const attempt = () => compile(['--config', file]);
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(msg);
      expect(attempt).toThrow(file);
    },
  );

  it('refuses a missing file, naming where it was given', () => {
    expect(() => compile(['--config', join(dir.path, 'nope.yaml')])).toThrow(
      /^--config: cannot read/,
    );
    expect(() => compile([], { DROVER_CONFIG: join(dir.path, 'nope.yaml') })).toThrow(
      /^DROVER_CONFIG: cannot read/,
    );
  });

  it('exits 2 with the message when the file has an unknown key', () => {
    const file = write('drover.yaml', 'colour: blue\n');
    const run = spawnSync(process.execPath, [BIN, '--config', file], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`config ${file}: unknown key "colour"`);
  });
});

describe('the example config file', () => {
  it('compiles, and every value it sets is the default', () => {
    const config = compile(['--config', EXAMPLE]);
    expect(config).toEqual(
      compileCoordinatorConfig({ dataDir: join(dirname(EXAMPLE), '.drover') }),
    );
  });

  it('mentions every setting, and still compiles with every commented-out setting enabled', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace(/^# ([a-z-]+: )/gm, '$1');
    const keys = [...text.matchAll(/^([a-z-]+):/gm)].map((m) => m[1]).sort();
    expect(keys).toEqual(Object.keys(SETTINGS).sort());
    const dir = tempDir();
    try {
      const file = join(dir.path, 'drover.yaml');
      writeFileSync(file, text);
      expect(compile(['--config', file]).tls).toEqual({
        certFile: join(dir.path, 'tls', 'server.crt'),
        keyFile: join(dir.path, 'tls', 'server.key'),
      });
    } finally {
      dir.remove();
    }
  });
});

describe('log and TLS settings', () => {
  it('defaults the log format to auto and refuses an unknown one', () => {
    expect(compileCoordinatorConfig({}).logFormat).toBe('auto');
    expect(() => compile(['--log-format', 'xml'])).toThrow(/^log-format:/);
  });

  it('needs both tls-cert and tls-key, or neither', () => {
    expect(compileCoordinatorConfig({}).tls).toBeUndefined();
    expect(() => compile(['--tls-cert', 'c.pem'])).toThrow(/^tls-key: required with tls-cert/);
    expect(() => compile([], { DROVER_TLS_KEY: 'k.pem' })).toThrow(
      /^tls-cert: required with tls-key/,
    );
  });
});

describe('the store setting', () => {
  it('defaults to the SQLite file in the data dir and takes another path', () => {
    expect(compileCoordinatorConfig({ dataDir: '/srv/d' }).store).toEqual({
      kind: 'sqlite',
      path: '/srv/d/drover.sqlite',
    });
    expect(compile(['--store', '/var/lib/drover/q.sqlite']).store).toEqual({
      kind: 'sqlite',
      path: '/var/lib/drover/q.sqlite',
    });
  });

  it('takes a postgres:// URL from the environment, with its schema', () => {
    const config = compile([], {
      DROVER_STORE: 'postgres://drover@db.example:5432/drover',
      DROVER_STORE_SCHEMA: 'fleet_a',
    });
    expect(config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://drover@db.example:5432/drover',
      schema: 'fleet_a',
    });
  });

  it('refuses other URLs, a bad schema, and a schema without PostgreSQL, naming the setting', () => {
    expect(() => compile(['--store', 'mysql://x/y'])).toThrow(/^store: must be a postgres:\/\//);
    expect(() => compile(['--store', 'postgres://h/db', '--store-schema', 'Drop Table'])).toThrow(
      /^store-schema: must be a lower-case identifier/,
    );
    expect(() => compile(['--store-schema', 'a'])).toThrow(/^store-schema: only for a PostgreSQL/);
  });
});

describe('the root logger', () => {
  function capture(): { lines: string[]; stream: Writable } {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { lines, stream };
  }

  it('writes JSON lines and never a token or an authorization header', () => {
    const { lines, stream } = capture();
    const log = createRootLogger(
      { level: 'info', format: 'json' },
      { isTTY: false, destination: stream },
    );
    log
      .child({ component: 'test' })
      .info({ token: 'drv_c_secret', call: { authorization: 'Bearer drv_c_secret' } }, 'called');
    const rec = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(rec).toMatchObject({ msg: 'called', component: 'test', token: '[redacted]' });
    expect(lines.join('')).not.toContain('drv_c_secret');
  });

  it('writes for people when the format is pretty, still without tokens', () => {
    const { lines, stream } = capture();
    const log = createRootLogger(
      { level: 'info', format: 'pretty' },
      { isTTY: false, destination: stream },
    );
    log.info({ authorization: 'Bearer drv_c_secret' }, 'called');
    const text = lines.join('');
    expect(text).toMatch(/INFO.*called/);
    expect(text).not.toContain('drv_c_secret');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });
});
