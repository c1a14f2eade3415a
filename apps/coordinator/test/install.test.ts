import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRenderedConfig } from '../src/install/check-config';
import { readExampleConfig } from '../src/install/example-config';
import {
  parseCoordinatorInstallOptions,
  type CoordinatorInstallOptions,
} from '../src/install/install-options';
import { renderCoordinatorInstall } from '../src/install/render-install';
import {
  runCoordinatorInstall,
  runCoordinatorInstallWith,
  selfCommand,
} from '../src/install/run-install';
import { tempDir } from './harness';

const BIN = fileURLToPath(new URL('../bin/drover-coordinator.js', import.meta.url));
const host = { cwd: '/root/op', selfCommand: ['/usr/bin/node', BIN] as [string, ...string[]] };
const example = await readExampleConfig();
if (example.kind !== 'found') throw new Error(`no example config: ${example.looked.join(', ')}`);

function options(argv: string[]): CoordinatorInstallOptions {
  const parsed = parseCoordinatorInstallOptions(argv, host);
  if (parsed.kind !== 'options') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

/** A unit's settings by key (each key appears once in these units). */
const directives = (unit: string): Map<string, string> =>
  new Map([...unit.matchAll(/^([A-Za-z]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));

function rendered(argv: string[]) {
  const o = options(argv);
  const r = renderCoordinatorInstall(o, example.kind === 'found' ? example.text : '');
  const [config, unit] = r.files;
  return { o, r, config: config!, unit: unit!, directives: directives(unit!.content) };
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('renderCoordinatorInstall', () => {
  it('writes a 0640 config and a hardened unit that runs the coordinator as its own user', () => {
    const { r, config, unit, directives: d } = rendered([]);
    expect(r.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/drover/coordinator.yaml', 0o640],
      ['/etc/systemd/system/drover-coordinator.service', 0o644],
    ]);
    expect(Object.fromEntries(d)).toMatchObject({
      ExecStart: `/usr/bin/node ${BIN} --config /etc/drover/coordinator.yaml`,
      User: 'drover',
      Group: 'drover',
      StateDirectory: 'drover',
      StateDirectoryMode: '0700',
      WorkingDirectory: '/var/lib/drover',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      ReadWritePaths: '/var/lib/drover',
      LimitNOFILE: '65536',
      Restart: 'on-failure',
      RestartPreventExitStatus: '2',
      TimeoutStopSec: '30',
      After: 'network-online.target',
      WantedBy: 'multi-user.target',
    });
    expect(unit.content).toMatch(/# One descriptor per connected bot/);
    expect(config.content).toMatch(/^listen: 0\.0\.0\.0:7070$/m);
    expect(config.content).toMatch(/^http-listen: 0\.0\.0\.0:7071$/m);
    expect(config.content).toMatch(/^data-dir: \/var\/lib\/drover$/m);
    // The example's explanations travel with it.
    expect(config.content).toContain('# Seconds of silence after which a bot counts as dead');
    expect(r.commands).toEqual([
      'id -u drover >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/drover --shell /usr/sbin/nologin drover',
      'chgrp drover /etc/drover/coordinator.yaml',
      'systemctl daemon-reload && systemctl enable --now drover-coordinator',
    ]);
    expect(r.notes).toContain('curl -fsS http://127.0.0.1:7071/healthz');
    expect(r.notes).toContain('/var/lib/drover/tokens.json');
    expect(r.hiddenByProtectHome).toEqual([]);
  });

  it('writes a config the coordinator compiles to the values install was given', () => {
    const { config } = rendered([
      '--listen',
      '10.0.0.5:7070',
      '--http-listen',
      '[::]:8080',
      '--data-dir',
      '/srv/drover',
      '--store',
      'postgres://drover:s3cret@db.example.com:5432/drover',
      '--store-schema',
      'fleet',
      '--tls-cert',
      '/etc/drover/tls/server.crt',
      '--tls-key',
      '/etc/drover/tls/server.key',
    ]);
    const checked = checkRenderedConfig(config.content, config.path);
    if (checked.kind !== 'valid') throw new Error(checked.message);
    expect(checked.config).toMatchObject({
      listen: '10.0.0.5:7070',
      httpListen: '[::]:8080',
      dataDir: '/srv/drover',
      store: {
        kind: 'postgres',
        url: 'postgres://drover:s3cret@db.example.com:5432/drover',
        schema: 'fleet',
      },
      tokensFile: '/srv/drover/tokens.json',
      tls: { certFile: '/etc/drover/tls/server.crt', keyFile: '/etc/drover/tls/server.key' },
      botPingToleranceMs: 60_000,
    });
  });

  it('makes a data dir outside /var/lib itself, and orders PostgreSQL before it', () => {
    const { r, directives: d } = rendered([
      '--data-dir',
      '/srv/drover',
      '--user',
      'coord',
      '--store',
      'postgres://db/drover',
      '--tls-cert',
      'tls/c.pem',
      '--tls-key',
      'tls/k.pem',
    ]);
    expect(d.has('StateDirectory')).toBe(false);
    expect(d.get('ReadWritePaths')).toBe('/srv/drover');
    expect(d.get('After')).toBe('network-online.target postgresql.service');
    expect(d.get('User')).toBe('coord');
    expect(r.commands).toContain('install -d -o coord -g coord -m 0700 /srv/drover');
    expect(r.commands).toContain('chgrp coord /root/op/tls/k.pem && chmod 0640 /root/op/tls/k.pem');
    expect(r.notes).toContain('curl -fsS --cacert <your CA file> https://127.0.0.1:7071/healthz');
    // Relative paths are the operator's, from where install ran: under /root, hidden from it.
    expect(r.hiddenByProtectHome).toEqual(['/root/op/tls/c.pem', '/root/op/tls/k.pem']);
  });

  it('lets the coordinator write a SQLite file kept outside its data dir', () => {
    const { r, directives: d } = rendered(['--store', '/srv/db/drover.sqlite']);
    expect(d.get('ReadWritePaths')).toBe('/var/lib/drover /srv/db');
    expect(r.commands).toContain('install -d -o drover -g drover -m 0700 /srv/db');
    expect(rendered(['--store', '/var/lib/drover/x.sqlite']).directives.get('ReadWritePaths')).toBe(
      '/var/lib/drover',
    );
  });

  it('quotes an ExecStart word with a space and escapes systemd specifiers', () => {
    const { directives: d } = rendered([
      '--exec',
      '/opt/my%drover/bin/run',
      '--config-dir',
      '/etc/d r',
    ]);
    expect(d.get('ExecStart')).toBe('/opt/my%%drover/bin/run --config "/etc/d r/coordinator.yaml"');
  });
});

describe('drover-coordinator install, writing real files', () => {
  let dir: ReturnType<typeof tempDir>;
  let stdout: Collect;
  let stderr: Collect;
  beforeEach(() => {
    dir = tempDir('drover-coord-install-');
    stdout = new Collect();
    stderr = new Collect();
  });
  afterEach(() => dir.remove());

  const paths = () => ({
    config: join(dir.path, 'etc', 'coordinator.yaml'),
    unit: join(dir.path, 'units', 'drover-coordinator.service'),
    data: join(dir.path, 'data'),
  });
  const install = (...args: string[]) =>
    runCoordinatorInstallWith(
      [
        '--config-dir',
        join(dir.path, 'etc'),
        '--unit-dir',
        join(dir.path, 'units'),
        '--data-dir',
        join(dir.path, 'data'),
        '--exec',
        `${process.execPath} ${BIN}`,
        ...args,
      ],
      { cwd: dir.path, selfCommand: [process.execPath, BIN] },
      { stdout, stderr },
    );

  it('--dry-run prints both files and the next commands, and writes nothing', async () => {
    expect(await install('--dry-run')).toBe(0);
    expect(stderr.text).toBe('');
    const p = paths();
    expect(stdout.text).toContain(`==> would write ${p.config} (mode 0640)\n`);
    expect(stdout.text).toContain(`==> would write ${p.unit} (mode 0644)\n`);
    expect(stdout.text).toContain(`data-dir: ${p.data}\n`);
    expect(stdout.text).toContain(`ExecStart=${process.execPath} ${BIN} --config ${p.config}\n`);
    expect(stdout.text).toContain('(dry run: nothing was written)');
    expect(stdout.text).toContain(
      'systemctl daemon-reload && systemctl enable --now drover-coordinator\n',
    );
    expect(stdout.text.indexOf(p.config)).toBeLessThan(stdout.text.indexOf(p.unit));
    for (const sub of ['etc', 'units', 'data']) expect(existsSync(join(dir.path, sub))).toBe(false);
  });

  it('writes both files with their modes, then refuses to overwrite them without --force', async () => {
    expect(await install()).toBe(0);
    expect(stderr.text).toBe('');
    expect(stdout.text).toContain('==> wrote ');
    const p = paths();
    expect(statSync(p.config).mode & 0o777).toBe(0o640);
    expect(statSync(p.unit).mode & 0o777).toBe(0o644);
    expect(readFileSync(p.unit, 'utf8')).toContain(`--config ${p.config}`);

    writeFileSync(p.config, '# edited by hand\n');
    expect(await install('--listen', '127.0.0.1:9999')).toBe(2);
    expect(stderr.text).toContain(`${p.config} and ${p.unit} already exist; add --force`);
    expect(readFileSync(p.config, 'utf8')).toBe('# edited by hand\n');
    stderr.text = '';
    expect(await install('--listen', '127.0.0.1:9999', '--dry-run')).toBe(2);
    expect(stderr.text).toContain('already exist; add --force');

    expect(await install('--listen', '127.0.0.1:9999', '--force')).toBe(0);
    expect(readFileSync(p.config, 'utf8')).toMatch(/^listen: 127\.0\.0\.1:9999$/m);
  });

  it('writes a unit systemd-analyze verify accepts (when it is installed)', async () => {
    expect(await install()).toBe(0);
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
    if (which.status !== 0) {
      console.log('systemd-analyze is not installed: the unit was not verified by systemd');
      return;
    }
    const verify = spawnSync('systemd-analyze', ['verify', paths().unit], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('writes a config the real coordinator starts with', async () => {
    expect(await install()).toBe(0);
    const p = paths();
    // The listen addresses are overridden (flags win over the file) to free loopback ports.
    const child = spawn(
      process.execPath,
      [BIN, '--config', p.config, '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DROVER_LOG_FORMAT: 'json' } },
    );
    const exited = once(child, 'exit');
    try {
      const ready = await new Promise<{ http: string; dataDir: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no "coordinator ready" in 20 s')), 20_000);
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; http?: string; dataDir?: string };
          if (entry.msg !== 'coordinator ready') return;
          clearTimeout(timer);
          resolve({ http: entry.http!, dataDir: entry.dataDir! });
        });
        child.once('exit', (code) => reject(new Error(`coordinator exited ${code}`)));
      });
      expect(ready.dataDir).toBe(p.data);
      const health = await fetch(`http://${ready.http}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      for (const f of ['tokens.json', 'client.token', 'bot.token', 'drover.sqlite']) {
        expect(existsSync(join(p.data, f))).toBe(true);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
    [
      'a bad listen address',
      ['--listen', 'nowhere'],
      /^drover-coordinator install: --listen: must be host:port, got "nowhere"/,
    ],
    ['a bad HTTP address', ['--http-listen', 'x:99999'], /--http-listen: must be host:port/],
    [
      'a schema without PostgreSQL',
      ['--store-schema', 'x'],
      /--store-schema: only for a PostgreSQL store/,
    ],
    [
      'a bad schema',
      ['--store', 'postgres://db/x', '--store-schema', 'No'],
      /--store-schema: must be a lower-case identifier/,
    ],
    [
      'a store URL of another kind',
      ['--store', 'mysql://db/x'],
      /--store: must be a postgres:\/\/ URL/,
    ],
    ['a key without its cert', ['--tls-key', BIN], /--tls-cert: required with tls-key/],
    [
      'a missing cert',
      ['--tls-cert', '/nonexistent/c.pem', '--tls-key', BIN],
      /--tls-cert: cannot find \/nonexistent\/c\.pem \(ENOENT\)/,
    ],
    ['a bad user', ['--user', 'a b'], /--user: not a user name: "a b"/],
    ['a relative --exec', ['--exec', 'node main.js'], /--exec: must start with an absolute path/],
    [
      'a missing --exec',
      ['--exec', '/nonexistent/drover-coordinator'],
      /--exec: cannot find \/nonexistent\/drover-coordinator \(ENOENT\)/,
    ],
  ])('refuses %s with exit 2, naming the flag, writing nothing', async (_name, argv, message) => {
    expect(await install(...argv)).toBe(2);
    expect(stderr.text).toMatch(message);
    expect(stdout.text).toBe('');
    expect(existsSync(join(dir.path, 'etc'))).toBe(false);
  });

  it('--help names the command the unit would run by default', async () => {
    expect(await runCoordinatorInstall(['--help'], { stdout, stderr })).toBe(0);
    expect(stdout.text).toMatch(/^Usage: drover-coordinator install/);
    expect(stdout.text).toContain(
      `(this coordinator: ${selfCommand(process.execPath, process.argv[1]).join(' ')})`,
    );
  });

  it('runs the script it was started with, links resolved, or a single executable alone', () => {
    const link = join(dir.path, 'drover-coordinator');
    symlinkSync(BIN, link);
    expect(selfCommand('/usr/bin/node', link)).toEqual(['/usr/bin/node', BIN]);
    expect(selfCommand(process.execPath, process.execPath)).toEqual([process.execPath]);
    expect(selfCommand(process.execPath, undefined)).toEqual([process.execPath]);
  });
});
