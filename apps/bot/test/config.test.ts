import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBotConfig, formatBytes, parseByteSize, type BotConfig } from '../src/index';

const host = { hostname: 'host-1', cwd: '/srv' };

function config(argv: string[], env: Record<string, string> = {}): BotConfig {
  const outcome = compileBotConfig(argv, env, host);
  if (outcome.kind !== 'config')
    throw new Error(`expected a config, got ${JSON.stringify(outcome)}`);
  return outcome.config;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  const outcome = compileBotConfig(argv, env, host);
  if (outcome.kind !== 'usage-error')
    throw new Error(`expected a usage error, got ${JSON.stringify(outcome)}`);
  return outcome.message;
}

describe('compileBotConfig', () => {
  it('resolves every default', () => {
    expect(config([])).toEqual({
      server: '127.0.0.1:7070',
      token: undefined,
      tokenFile: '/srv/.drover/bot.token',
      dataDir: '/srv/.drover',
      botId: 'host-1',
      pool: 'default',
      extraDimensions: {},
      botDir: '/srv/.drover/bots/host-1',
      logLevel: 'info',
      once: false,
      maxOutputBytes: 100 * 1024 ** 2,
      drainTimeoutMs: 300_000,
      minFreeDiskBytes: 1024 ** 3,
      cacheMaxBytes: 10 * 1024 ** 3,
      casCacheMaxBytes: 20 * 1024 ** 3,
      taskBaseEnv: {},
      tls: { kind: 'off' },
      configFile: undefined,
      taskUser: undefined,
      containment: 'auto',
    });
  });

  it('refuses a token on the command line, which every user of the machine can read', () => {
    const message = usageError(['--token', 'tok']);
    expect(message).toMatch(/^--token: a command line is readable by every user of the machine/);
    expect(message).toMatch(/--token-file/);
    expect(message).toMatch(/DROVER_BOT_TOKEN/);
    // Not even echoed back.
    expect(message).not.toContain("tok'");
  });

  it('reads the task user and the containment mode from flags, variables and the file', () => {
    expect(config(['--task-user', 'drover-task', '--containment', 'pgroup'])).toMatchObject({
      taskUser: 'drover-task',
      containment: 'pgroup',
    });
    expect(
      config(['--task-user', '1001'], { DROVER_TASK_USER: 'x', DROVER_CONTAINMENT: 'cgroup' }),
    ).toMatchObject({ taskUser: '1001', containment: 'cgroup' });
  });

  it('reads the output cap, the drain limit and the free disk minimum, with size suffixes', () => {
    expect(
      config([], {
        DROVER_MAX_OUTPUT: '10MiB',
        DROVER_DRAIN_TIMEOUT: '1.5',
        DROVER_MIN_FREE_DISK: '0',
      }),
    ).toMatchObject({ maxOutputBytes: 10 * 1024 ** 2, drainTimeoutMs: 1_500, minFreeDiskBytes: 0 });
    expect(config(['--cache-max-bytes', '2GiB']).cacheMaxBytes).toBe(2 * 1024 ** 3);
    expect(config(['--cas-cache-max-bytes', '512MiB']).casCacheMaxBytes).toBe(512 * 1024 ** 2);
    expect(config([], { DROVER_CAS_CACHE_MAX_BYTES: '1G' }).casCacheMaxBytes).toBe(1024 ** 3);
    expect(
      config(['--max-output', '4096', '--drain-timeout', '0', '--min-free-disk', '2G'], {
        DROVER_MAX_OUTPUT: '10MiB',
        DROVER_DRAIN_TIMEOUT: '9',
      }),
    ).toMatchObject({ maxOutputBytes: 4096, drainTimeoutMs: 0, minFreeDiskBytes: 2 * 1024 ** 3 });
  });

  it('reads DROVER_* variables', () => {
    const c = config([], {
      DROVER_SERVER: 'coord:7070',
      DROVER_BOT_TOKEN: 'tok',
      DROVER_DATA_DIR: '/data',
      DROVER_BOT_ID: 'bot-9',
      DROVER_POOL: 'ci',
      DROVER_DIMENSIONS: 'zone=eu, zone=eu-1,gpu=10de',
      DROVER_LOG_LEVEL: 'debug',
      DROVER_BOT_ONCE: 'true',
    });
    expect(c).toMatchObject({
      server: 'coord:7070',
      token: 'tok',
      tokenFile: '/data/bot.token',
      botId: 'bot-9',
      pool: 'ci',
      extraDimensions: { zone: ['eu', 'eu-1'], gpu: ['10de'] },
      botDir: '/data/bots/bot-9',
      logLevel: 'debug',
      once: true,
    });
  });

  it('lets flags win over the environment', () => {
    const c = config(
      [
        '--server',
        'flag:1',
        '--id',
        'flag-bot',
        '--pool',
        'p',
        '--dimension',
        'k=v',
        '--dimension',
        'k=w',
        '--dir',
        'work',
        '--log-level',
        'warn',
        '--token-file',
        't.txt',
        '--once',
      ],
      {
        DROVER_SERVER: 'env:1',
        DROVER_BOT_ID: 'env-bot',
        DROVER_POOL: 'q',
        DROVER_DIMENSIONS: 'a=b',
        DROVER_BOT_DIR: '/env',
        DROVER_LOG_LEVEL: 'error',
        DROVER_BOT_TOKEN_FILE: '/env.token',
      },
    );
    expect(c).toMatchObject({
      server: 'flag:1',
      botId: 'flag-bot',
      pool: 'p',
      extraDimensions: { k: ['v', 'w'] },
      botDir: path.resolve('/srv', 'work'),
      logLevel: 'warn',
      tokenFile: '/srv/t.txt',
      once: true,
    });
  });

  it('keeps the bot token out of the environment tasks inherit', () => {
    const c = config([], {
      PATH: '/bin',
      DROVER_BOT_TOKEN: 'secret',
      DROVER_BOT_TOKEN_FILE: '/t',
      DROVER_SERVER: 'x:1',
    });
    expect(c.taskBaseEnv).toEqual({ PATH: '/bin', DROVER_SERVER: 'x:1' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['an unknown flag', ['--bogus'], {}, /--bogus/],
    ['a flag without its value', ['--server'], {}, /--server/],
    ['a positional argument', ['extra'], {}, /extra/],
    ['a bad log level flag', ['--log-level', 'loud'], {}, /--log-level.*loud/],
    ['a bad log level variable', [], { DROVER_LOG_LEVEL: 'loud' }, /DROVER_LOG_LEVEL.*loud/],
    ['a dimension without =', ['--dimension', 'novalue'], {}, /--dimension.*novalue/],
    ['a bad dimension key', ['--dimension', 'bad key=1'], {}, /--dimension.*bad key/],
    ['an id dimension', ['--dimension', 'id=x'], {}, /--dimension.*--id/],
    ['a bad DROVER_DIMENSIONS', [], { DROVER_DIMENSIONS: 'x' }, /DROVER_DIMENSIONS/],
    ['a bad bot id', ['--id', 'a/b'], {}, /--id.*a\/b/],
    ['a bad once variable', [], { DROVER_BOT_ONCE: 'maybe' }, /DROVER_BOT_ONCE/],
    ['a size without a number', ['--max-output', 'MiB'], {}, /--max-output.*'MiB'/],
    ['an unknown size suffix', [], { DROVER_MAX_OUTPUT: '10 parsecs' }, /DROVER_MAX_OUTPUT/],
    ['an output cap of 0', ['--max-output', '0'], {}, /--max-output.*at least 1 byte/],
    ['a negative free disk minimum', ['--min-free-disk', '-1'], {}, /--min-free-disk/],
    ['a drain limit that is not seconds', ['--drain-timeout', '5m'], {}, /--drain-timeout.*5m/],
    ['a negative drain limit', [], { DROVER_DRAIN_TIMEOUT: '-1' }, /DROVER_DRAIN_TIMEOUT/],
    ['a drain limit past what a timer holds', ['--drain-timeout', '3000000'], {}, /0 to 2147483/],
    ['a bad containment flag', ['--containment', 'jail'], {}, /--containment: .*auto.*'jail'/],
    ['a bad containment variable', [], { DROVER_CONTAINMENT: 'x' }, /DROVER_CONTAINMENT/],
    ['a task user that names nobody', ['--task-user', 'a b'], {}, /--task-user.*'a b'/],
  ])('refuses %s, naming it', (_name, argv, env, message) => {
    expect(usageError(argv, env)).toMatch(message);
  });

  it('answers --help with the usage text', () => {
    const outcome = compileBotConfig(['--help'], {}, host);
    expect(outcome.kind).toBe('help');
  });
});

describe('compileBotConfig with a config file', () => {
  const files: Record<string, string> = {
    '/etc/drover/bot.yaml': [
      'server: file:7070',
      'token-file: secret/bot.token',
      'pool: ci',
      'dimension: { zone: eu, gpu: [none, 10de] }',
      'drain-timeout: 600',
      'max-output: 4096',
      'once: true',
      'dir: work',
      'task-user: drover-task',
      'containment: pgroup',
      '',
    ].join('\n'),
    '/etc/drover/bot.json': '{"server": "json:1", "dimension": ["a=b"], "ca-file": "ca.pem"}',
    '/etc/drover/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    '/etc/drover/not-ca.pem': 'hello\n',
    '/etc/drover/unknown.yaml': 'server: a:1\ntoken_file: /t\n',
    '/etc/drover/list.yaml': '- server\n',
    '/etc/drover/bad-bool.yaml': 'tls: "yes"\n',
    '/etc/drover/bad.yaml': 'server: [unclosed\n',
  };
  const fileHost = {
    ...host,
    readFile: (p: string): Buffer => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`no ${p}`), { code: 'ENOENT' });
      return Buffer.from(text);
    },
  };
  const compiled = (argv: string[], env: Record<string, string> = {}) =>
    compileBotConfig(argv, env, fileHost);
  const fromFile = (argv: string[], env: Record<string, string> = {}): BotConfig => {
    const outcome = compiled(argv, env);
    if (outcome.kind !== 'config') throw new Error(JSON.stringify(outcome));
    return outcome.config;
  };
  const refusal = (argv: string[], env: Record<string, string> = {}): string => {
    const outcome = compiled(argv, env);
    if (outcome.kind !== 'usage-error') throw new Error(JSON.stringify(outcome));
    return outcome.message;
  };

  it('reads YAML keyed by flag names, paths relative to the file', () => {
    expect(fromFile(['--config', '/etc/drover/bot.yaml'])).toMatchObject({
      server: 'file:7070',
      tokenFile: '/etc/drover/secret/bot.token',
      pool: 'ci',
      extraDimensions: { zone: ['eu'], gpu: ['none', '10de'] },
      drainTimeoutMs: 600_000,
      maxOutputBytes: 4096,
      once: true,
      botDir: '/etc/drover/work',
      configFile: '/etc/drover/bot.yaml',
      taskUser: 'drover-task',
      containment: 'pgroup',
    });
  });

  it('finds the file through DROVER_BOT_CONFIG, relative to the working directory', () => {
    expect(fromFile([], { DROVER_BOT_CONFIG: '../etc/drover/bot.yaml' }).server).toBe('file:7070');
  });

  it('lets variables win over the file, and flags over both', () => {
    const env = { DROVER_SERVER: 'env:1', DROVER_POOL: 'env-pool', DROVER_DIMENSIONS: 'k=env' };
    expect(fromFile(['--config', '/etc/drover/bot.yaml'], env)).toMatchObject({
      server: 'env:1',
      pool: 'env-pool',
      extraDimensions: { k: ['env'] },
      drainTimeoutMs: 600_000,
    });
    expect(
      fromFile(
        ['--config', '/etc/drover/bot.yaml', '--server', 'flag:1', '--dimension', 'k=f'],
        env,
      ),
    ).toMatchObject({ server: 'flag:1', pool: 'env-pool', extraDimensions: { k: ['f'] } });
    expect(fromFile(['--config', '/etc/drover/bot.yaml'], { DROVER_BOT_ONCE: 'false' }).once).toBe(
      false,
    );
  });

  it('reads JSON too, and a CA file it names turns TLS on with those roots', () => {
    const c = fromFile(['--config', '/etc/drover/bot.json']);
    expect(c.server).toBe('json:1');
    expect(c.extraDimensions).toEqual({ a: ['b'] });
    expect(c.tls).toMatchObject({ kind: 'ca-file', path: '/etc/drover/ca.pem' });
    expect(c.tls.kind === 'ca-file' ? c.tls.rootCerts.toString() : '').toContain('BEGIN');
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    [
      'a config file that is not there',
      ['--config', 'nope.yaml'],
      {},
      /--config: cannot read \/srv\/nope\.yaml \(ENOENT\)/,
    ],
    [
      'a missing DROVER_BOT_CONFIG file',
      [],
      { DROVER_BOT_CONFIG: '/x.yaml' },
      /DROVER_BOT_CONFIG.*\/x\.yaml/,
    ],
    [
      'an unknown key',
      ['--config', '/etc/drover/unknown.yaml'],
      {},
      /unknown\.yaml: unknown key 'token_file'/,
    ],
    [
      'a file that is no mapping',
      ['--config', '/etc/drover/list.yaml'],
      {},
      /list\.yaml: expected a mapping/,
    ],
    [
      'a boolean that is a string',
      ['--config', '/etc/drover/bad-bool.yaml'],
      {},
      /bad-bool\.yaml: tls: expected true or false/,
    ],
    [
      'a file that is not YAML',
      ['--config', '/etc/drover/bad.yaml'],
      {},
      /bad\.yaml: not valid YAML/,
    ],
    ['a bad value in the file', ['--config', '/etc/drover/bot.yaml', '--pool', ''], {}, /--pool/],
    [
      'an unreadable CA file',
      ['--ca-file', '/nope.pem'],
      {},
      /--ca-file: cannot read CA file \/nope\.pem \(ENOENT\)/,
    ],
    [
      'a CA file named by a variable',
      [],
      { DROVER_CA_FILE: '/nope.pem' },
      /DROVER_CA_FILE: cannot read CA file/,
    ],
    [
      'a CA file without a certificate',
      ['--ca-file', '/etc/drover/not-ca.pem'],
      {},
      /--ca-file: .*holds no PEM certificate/,
    ],
    ['a bad DROVER_TLS', [], { DROVER_TLS: 'sure' }, /DROVER_TLS/],
  ])('refuses %s, naming it', (_name, argv, env, message) => {
    expect(refusal(argv, env)).toMatch(message);
  });

  it('turns TLS on with the system roots for --tls or DROVER_TLS', () => {
    expect(fromFile(['--tls']).tls).toEqual({ kind: 'system-roots' });
    expect(fromFile([], { DROVER_TLS: '1' }).tls).toEqual({ kind: 'system-roots' });
    expect(fromFile([]).tls).toEqual({ kind: 'off' });
  });
});

describe('byte sizes', () => {
  it.each<[string, number | undefined]>([
    ['4096', 4096],
    ['0', 0],
    ['10B', 10],
    ['64KiB', 64 * 1024],
    ['64k', 64 * 1024],
    ['10 MiB', 10 * 1024 ** 2],
    ['10M', 10 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['5MB', 5_000_000],
    ['1gb', 1e9],
    ['', undefined],
    ['MiB', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    ['10 parsecs', undefined],
    ['99999999999TiB', undefined],
  ])('parses %j as %j', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each<[number, string]>([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [100 * 1024 ** 2, '100 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [512.34 * 1024 ** 2, '512.3 MiB'],
  ])('prints %j as %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
