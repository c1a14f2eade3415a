import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compileBotConfig,
  parseInstallOptions,
  renderInstall,
  type InstallOptions,
} from '../src/index';
import { tempDir } from './helpers';
import {
  DROVER_BOT_BIN,
  run,
  startCoordinatorProcess,
  startUntil,
  stopChild,
} from './real-processes';
import type { ChildProcess } from 'node:child_process';

const CLI_BIN = fileURLToPath(new URL('../../cli/bin/drover.js', import.meta.url));
const host = {
  cwd: '/home/op',
  nodePath: '/usr/bin/node',
};

function options(argv: string[]): InstallOptions {
  const parsed = parseInstallOptions(argv, host);
  if (parsed.kind !== 'options') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function unitOf(o: InstallOptions): string {
  const unit = renderInstall(o).files.find((f) => f.path.endsWith('.service'));
  if (unit === undefined) throw new Error('no unit rendered');
  return unit.content;
}

/** The `Key=value` lines of a unit, as [key, value] pairs in order. */
function directives(unit: string): Array<[string, string]> {
  return unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

const base = ['--server', 'coord.example:7070', '--token-file', 'bot.token'];

describe('renderInstall', () => {
  it('writes a config naming the token file and a unit that runs the bot with that config', () => {
    const rendered = renderInstall(options([...base, '--pool', 'ci']));
    expect(rendered.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/drover/bot.yaml', 0o644],
      ['/etc/systemd/system/drover-bot.service', 0o644],
    ]);
    const unit = new Map(directives(rendered.files[1]!.content));
    expect(Object.fromEntries(unit)).toMatchObject({
      ExecStart: '/usr/bin/node /var/lib/drover-bot/launcher.js --config /etc/drover/bot.yaml',
      After: 'network-online.target',
      Wants: 'network-online.target',
      WorkingDirectory: '/var/lib/drover-bot',
      StateDirectory: 'drover-bot',
      Restart: 'on-failure',
      Delegate: 'yes',
      KillSignal: 'SIGTERM',
      KillMode: 'mixed',
      TimeoutStopSec: '360',
      WantedBy: 'multi-user.target',
    });
    expect(unit.has('User')).toBe(false);
    expect(rendered.commands).toEqual([
      'systemctl daemon-reload && systemctl enable --now drover-bot',
    ]);
  });

  it.each<[string, number]>([
    ['0', 60],
    ['0.5', 61],
    ['120', 180],
  ])('makes TimeoutStopSec the drain limit of %s s plus a 60 s margin', (drain, stopSecs) => {
    const unit = unitOf(options([...base, '--drain-timeout', drain]));
    expect(directives(unit)).toContainEqual(['TimeoutStopSec', String(stopSecs)]);
  });

  it('runs the bot as --user, and tells how to hand it its bot dir', () => {
    const o = options([...base, '--user', 'drover', '--dir', '/srv/bot']);
    expect(directives(unitOf(o))).toContainEqual(['User', 'drover']);
    expect(unitOf(o)).not.toContain('StateDirectory');
    expect(renderInstall(o).commands).toEqual([
      'chown -R drover /srv/bot',
      'systemctl daemon-reload && systemctl enable --now drover-bot',
    ]);
  });

  it('quotes an ExecStart path with a space and escapes systemd specifiers', () => {
    const unit = unitOf(options([...base, '--config-dir', '/etc/my drover%']));
    expect(unit).toContain('--config "/etc/my drover%%/bot.yaml"');
  });

  it('writes a config the bot compiles back to the same options', () => {
    const o = options([
      ...base,
      '--pool',
      'ci',
      '--id',
      'w-1',
      '--dimension',
      'zone=eu',
      '--drain-timeout',
      '42',
      '--tls',
      '--task-user',
      'builder',
      '--containment',
      'pgroup',
    ]);
    const config = renderInstall(o).files[0]!;
    const compiled = compileBotConfig(
      ['--config', config.path],
      {},
      {
        hostname: 'h',
        cwd: '/',
        readFile: (p) => {
          if (p !== config.path) throw Object.assign(new Error('no'), { code: 'ENOENT' });
          return Buffer.from(config.content);
        },
      },
    );
    if (compiled.kind !== 'config') throw new Error(JSON.stringify(compiled));
    expect(compiled.config).toMatchObject({
      server: 'coord.example:7070',
      tokenFile: '/home/op/bot.token',
      token: undefined,
      pool: 'ci',
      botId: 'w-1',
      extraDimensions: { zone: ['eu'] },
      botDir: '/var/lib/drover-bot',
      drainTimeoutMs: 42_000,
      tls: { kind: 'system-roots' },
      configFile: '/etc/drover/bot.yaml',
      taskUser: 'builder',
      containment: 'pgroup',
    });
    expect(config.content).not.toMatch(/^token:/m);
  });

  it.each<[string, string[], RegExp]>([
    ['no --server', ['--token-file', 't'], /--server/],
    ['no --token-file', ['--server', 'a:1'], /--token-file/],
    ['an unknown flag', [...base, '--bogus'], /--bogus/],
    ['a bad drain limit', [...base, '--drain-timeout', '5m'], /--drain-timeout.*5m/],
    ['a bad pool', [...base, '--pool', ''], /--pool/],
    ['a bad user', [...base, '--user', 'a b'], /--user.*a b/],
    ['a bad dimension', [...base, '--dimension', 'novalue'], /--dimension.*novalue/],
  ])('refuses %s, naming it', (_name, argv, message) => {
    const parsed = parseInstallOptions(argv, host);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' ? parsed.message : '').toMatch(message);
  });
});

describe('drover-bot install, the real executable', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let children: ChildProcess[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('drover-install-'));
    children = [];
  });
  afterEach(async () => {
    for (const child of children.reverse()) await stopChild(child);
    await cleanup();
  });

  const install = (...args: string[]) =>
    run([process.execPath, DROVER_BOT_BIN, 'install', ...args], { cwd: dir });
  const dirs = () => [
    '--config-dir',
    path.join(dir, 'etc'),
    '--unit-dir',
    path.join(dir, 'units'),
    '--dir',
    path.join(dir, 'work'),
  ];

  it('--dry-run prints both files and the next commands, and writes nothing', async () => {
    writeFileSync(path.join(dir, 'bot.token'), 'tok\n');
    const result = await install(
      ...base,
      '--pool',
      'ci',
      '--user',
      'drover',
      '--drain-timeout',
      '90',
      ...dirs(),
      '--dry-run',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    const configPath = path.join(dir, 'etc', 'bot.yaml');
    const unitPath = path.join(dir, 'units', 'drover-bot.service');
    expect(out).toContain(`==> would write ${configPath} (mode 0644)\n`);
    expect(out).toContain(`==> would write ${unitPath} (mode 0644)\n`);
    expect(out).toContain(`token-file: ${path.join(dir, 'bot.token')}\n`);
    expect(out).toContain('pool: ci\n');
    expect(out).toContain('drain-timeout: 90\n');
    const workDir = path.join(dir, 'work');
    expect(out).toContain(
      `==> would install the bot code (built from this checkout, or this bot's own) in ${workDir}/versions/<version>, point ${workDir}/current at it and write ${workDir}/launcher.js\n`,
    );
    expect(out).toContain(
      `ExecStart=${process.execPath} ${workDir}/launcher.js --config ${configPath}\n`,
    );
    expect(out).toContain('User=drover\n');
    expect(out).toContain('TimeoutStopSec=150\n');
    expect(out).toContain('(dry run: nothing was written)');
    expect(out).toMatch(/systemctl daemon-reload && systemctl enable --now drover-bot\n$/);
    expect(out.indexOf(configPath)).toBeLessThan(out.indexOf(unitPath));
    for (const sub of ['etc', 'units', 'work']) expect(existsSync(path.join(dir, sub))).toBe(false);
  });

  it('exits 2 naming --token-file when the token file is not there', async () => {
    const result = await install(...base, ...dirs(), '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--token-file: cannot find .*bot\.token \(ENOENT\)/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming a missing flag', async () => {
    const result = await install('--server', 'a:1', '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/install needs --token-file/);
  });

  it('writes both files, then refuses to overwrite them without --force', async () => {
    writeFileSync(path.join(dir, 'bot.token'), 'tok\n');
    const first = await install(...base, '--no-task-user', ...dirs());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('==> wrote ');
    const configPath = path.join(dir, 'etc', 'bot.yaml');
    const unitPath = path.join(dir, 'units', 'drover-bot.service');
    for (const p of [configPath, unitPath]) expect(statSync(p).mode & 0o777).toBe(0o644);
    expect(readFileSync(unitPath, 'utf8')).toContain(`--config ${configPath}`);

    writeFileSync(configPath, '# edited by hand\n');
    const second = await install(...base, '--no-task-user', '--pool', 'other', ...dirs());
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`${configPath} and ${unitPath} already exist; add --force`);
    expect(readFileSync(configPath, 'utf8')).toBe('# edited by hand\n');

    const forced = await install(
      ...base,
      '--no-task-user',
      '--pool',
      'other',
      ...dirs(),
      '--force',
    );
    expect(forced.code).toBe(0);
    expect(readFileSync(configPath, 'utf8')).toContain('pool: other\n');
  });

  it('installs a bot whose unit command connects to a real coordinator', async () => {
    const dataDir = path.join(dir, 'coord');
    await mkdir(dataDir);
    const coord = await startCoordinatorProcess(dataDir);
    children.push(coord.child);
    const installed = await install(
      '--server',
      coord.server,
      '--token-file',
      path.join(dataDir, 'bot.token'),
      '--id',
      'installed-bot',
      '--pool',
      'default',
      '--dimension',
      'installed=yes',
      // Payloads as root here: a test does not add users to this machine (install-users.test.ts).
      '--no-task-user',
      ...dirs(),
    );
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);

    // Run exactly what systemd would: the unit's ExecStart, in its WorkingDirectory.
    const unit = new Map(
      directives(readFileSync(path.join(dir, 'units', 'drover-bot.service'), 'utf8')),
    );
    const execStart = unit.get('ExecStart')!.split(' ');
    const workDir = unit.get('WorkingDirectory')!;
    await mkdir(workDir, { recursive: true });
    const bot = await startUntil(execStart, 'bot ready', { cwd: workDir });
    children.push(bot.child);
    expect(bot.rec).toMatchObject({ botId: 'installed-bot', server: coord.server });

    const shown = await run(
      [
        process.execPath,
        CLI_BIN,
        '--server',
        coord.server,
        '--token-file',
        path.join(dataDir, 'client.token'),
        'bot',
        'show',
        'installed-bot',
        '--json',
      ],
      { cwd: dir },
    );
    expect(shown.stderr).toBe('');
    const info = JSON.parse(shown.stdout) as {
      connected: boolean;
      dimensions: unknown[];
      version: string;
    };
    expect(info.connected).toBe(true);
    // The launcher runs the installed, self-contained bot code: its version names its hash.
    const current = readlinkSync(path.join(dir, 'work', 'current'));
    expect(info.version).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
    expect(current).toBe(path.join('versions', info.version));
    expect(installed.stdout).toContain(`==> installed bot code ${info.version} (built from `);
    expect(info.dimensions).toContainEqual({ key: 'installed', value: ['yes'] });
  });
});
