import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseInstallOptions, renderInstall, type InstallOptions } from '../src/index';
import { runInstall } from '../src/install/run-install';
import { systemUsers, type SystemUsers } from '../src/install/system-users';
import { tempDir } from './helpers';
import { DROVER_BOT_BIN, run } from './real-processes';

// What install does for containment: the unit's settings (Delegate=yes, KillMode), the task user
// (the config's task-user, the StateDirectoryMode it needs, useradd when it is missing) and the
// token file (0600, the bot user's). useradd runs for real, but a fake one first on PATH records
// its arguments: a test does not add users to the machine it runs on.

const host = { cwd: '/home/op', nodePath: '/usr/bin/node' };
const base = ['--server', 'coord.example:7070', '--token-file', 'bot.token'];

function options(argv: string[]): InstallOptions {
  const parsed = parseInstallOptions(argv, host);
  if (parsed.kind !== 'options') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

/** A unit file as systemd reads it: each section's assignments; the last one of a key wins. */
function parseUnit(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = sections.get(header[1]!) ?? new Map<string, string>();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`not a unit line: ${line}`);
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

function serviceOf(o: InstallOptions): Map<string, string> {
  const unit = renderInstall(o).files.find((f) => f.path.endsWith('.service'));
  const service = parseUnit(unit?.content ?? '').get('Service');
  if (service === undefined) throw new Error('no [Service] section');
  return service;
}

function configOf(o: InstallOptions): string {
  return renderInstall(o).files.find((f) => f.path.endsWith('bot.yaml'))?.content ?? '';
}

describe('the unit holds payloads in the bot’s cgroup', () => {
  it.each<[string, string[]]>([
    ['a bot running as root', []],
    ['a bot running as --user', ['--user', 'drover']],
    ['a root bot without a task user', ['--no-task-user']],
  ])('delegates the cgroup subtree and kills what is left of it, for %s', (_name, argv) => {
    const service = serviceOf(options([...base, ...argv]));
    expect(service.get('Delegate')).toBe('yes');
    // mixed: the stop's SIGTERM reaches the bot alone (it drains); once it has exited, SIGKILL
    // reaches every process left in the cgroup. process or none would leave payloads running.
    expect(service.get('KillMode')).toBe('mixed');
    expect(service.get('KillSignal')).toBe('SIGTERM');
  });

  it.each<[string, string, string[]]>([
    ['a task user (the default for a root bot)', '0711', []],
    ['an explicit task user', '0711', ['--task-user', 'builder']],
    ['no task user', '0700', ['--no-task-user']],
    ['a bot running as --user', '0700', ['--user', 'drover']],
  ])('makes the bot dir for %s StateDirectoryMode %s', (_name, mode, argv) => {
    const service = serviceOf(options([...base, ...argv]));
    expect(service.get('StateDirectory')).toBe('drover-bot');
    expect(service.get('StateDirectoryMode')).toBe(mode);
  });

  it('never puts the token on a command line or in the environment', () => {
    const o = options([...base]);
    const service = serviceOf(o);
    expect(service.get('ExecStart')).toBe(
      '/usr/bin/node /var/lib/drover-bot/launcher.js --config /etc/drover/bot.yaml',
    );
    expect([...service.keys()].filter((k) => k.startsWith('Environment'))).toEqual([]);
    expect(configOf(o)).toMatch(/^token-file: \/home\/op\/bot\.token$/m);
    expect(configOf(o)).not.toMatch(/^token:/m);
  });
});

describe('--task-user', () => {
  it.each<[string, string[], string | undefined]>([
    ['a bot running as root: drover-task', [], 'drover-task'],
    ['a bot running as --user root: drover-task', ['--user', 'root'], 'drover-task'],
    ['--task-user builder', ['--task-user', 'builder'], 'builder'],
    ['--no-task-user: none', ['--no-task-user'], undefined],
    ['a bot running as --user drover: none', ['--user', 'drover'], undefined],
  ])('writes the payload user to the config: %s', (_name, argv, taskUser) => {
    const config = configOf(options([...base, ...argv]));
    if (taskUser === undefined) expect(config).not.toMatch(/^task-user:/m);
    else expect(config).toMatch(new RegExp(`^task-user: ${taskUser}$`, 'm'));
  });

  it.each<[string, string[], RegExp]>([
    ['an upper-case name', ['--task-user', 'Builder'], /--task-user: not a user name: 'Builder'/],
    ['a digit first', ['--task-user', '1builder'], /--task-user: not a user name: '1builder'/],
    ['a name of 33 characters', ['--task-user', 'a'.repeat(33)], /--task-user: not a user name/],
    ['a space', ['--task-user', 'a b'], /--task-user: not a user name: 'a b'/],
    ['an empty name', ['--task-user', ''], /--task-user: not a user name: ''/],
    ['root', ['--task-user', 'root'], /--task-user: root: payloads run as an unprivileged user/],
    [
      'a bot running as another user',
      ['--user', 'drover', '--task-user', 'builder'],
      /--task-user: a bot running as drover cannot start payloads as builder; drop --user/,
    ],
    [
      'both --task-user and --no-task-user',
      ['--task-user', 'builder', '--no-task-user'],
      /--task-user and --no-task-user/,
    ],
  ])('refuses %s, naming --task-user', (_name, argv, message) => {
    const parsed = parseInstallOptions([...base, ...argv], host);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' ? parsed.message : '').toMatch(message);
  });

  it('takes a name of 32 characters with _ and -', () => {
    const name = `_b-${'x'.repeat(29)}`;
    expect(configOf(options([...base, '--task-user', name]))).toContain(`task-user: ${name}\n`);
  });
});

describe('drover-bot install and the user database', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let fakeBin = '';
  let record = '';
  let token = '';
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('drover-install-users-'));
    fakeBin = path.join(dir, 'bin');
    await mkdir(fakeBin);
    record = path.join(dir, 'useradd.args');
    token = path.join(dir, 'bot.token');
    writeFileSync(token, 'tok\n', { mode: 0o644 });
    chmodSync(token, 0o644);
  });
  afterEach(async () => {
    await cleanup();
  });

  /** A fake useradd, first on PATH: records its arguments, then prints and exits as told. */
  function fakeUseradd(exitCode = 0, stderr = ''): void {
    const script =
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\n` +
      (stderr === '' ? '' : `printf '%s\\n' '${stderr}' >&2\n`) +
      `exit ${exitCode}\n`;
    writeFileSync(path.join(fakeBin, 'useradd'), script, { mode: 0o755 });
  }

  /** A PATH of fakeBin alone, with the real `id` in it: useradd is missing. */
  function onlyId(): string {
    const id = (process.env['PATH'] ?? '')
      .split(':')
      .map((d) => path.join(d, 'id'))
      .find((p) => existsSync(p));
    if (id === undefined) throw new Error('no id on PATH');
    symlinkSync(id, path.join(fakeBin, 'id'));
    return fakeBin;
  }

  // The bot user's ids: root's are this process's own, so that the chown a root install does
  // works for a test run by anyone. Other names are looked up for real.
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  function users(pathVar: string): SystemUsers {
    const real = systemUsers({ ...process.env, PATH: pathVar });
    return {
      lookup: async (name) => (name === 'root' ? { kind: 'found', ...me } : real.lookup(name)),
      create: real.create,
    };
  }

  const etc = () => path.join(dir, 'etc');
  const units = () => path.join(dir, 'units');
  const work = () => path.join(dir, 'work');
  // A name no machine has: the real `id` finds no such user.
  const taskUser = `drv-t-${process.pid}`;

  async function install(
    argv: string[],
    opts: { euid: number; path?: string },
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await runInstall(
      [
        '--server',
        'coord.example:7070',
        '--token-file',
        token,
        '--config-dir',
        etc(),
        '--unit-dir',
        units(),
        '--dir',
        work(),
        ...argv,
      ],
      {
        cwd: dir,
        nodePath: process.execPath,
        // A single executable: no bot code to build, the unit runs it where it is.
        executable: '/usr/local/bin/drover-bot',
        packForInstall: () => Promise.reject(new Error('no bot code for a single executable')),
        euid: opts.euid,
        users: users(opts.path ?? `${fakeBin}:${process.env['PATH'] ?? ''}`),
      },
      { stdout, stderr },
    );
    return { code, stdout: out, stderr: err };
  }

  const written = () =>
    [path.join(etc(), 'bot.yaml'), path.join(units(), 'drover-bot.service'), work()].filter((p) =>
      existsSync(p),
    );

  it('creates a missing task user with useradd, says so, and writes it to the config', async () => {
    fakeUseradd();
    const result = await install(['--task-user', taskUser], { euid: 0 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual([
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      taskUser,
    ]);
    expect(result.stdout).toContain(
      `==> created the system user ${taskUser}: useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${taskUser}\n`,
    );
    expect(result.stdout).toContain(`==> the bot runs payloads as ${taskUser}\n`);
    expect(readFileSync(path.join(etc(), 'bot.yaml'), 'utf8')).toContain(
      `task-user: ${taskUser}\n`,
    );
  });

  it('says the default task user is a default, and how to opt out', async () => {
    fakeUseradd();
    const result = await install(['--dry-run'], { euid: 0 });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '==> the bot runs payloads as drover-task (the default for a bot running as root; --no-task-user runs them as root)\n',
    );
  });

  it('creates no user in a dry run, and says it would', async () => {
    fakeUseradd();
    const result = await install(['--task-user', taskUser, '--dry-run'], { euid: 0 });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`==> would create the system user ${taskUser}: useradd `);
    expect(existsSync(record)).toBe(false);
    expect(statSync(token).mode & 0o777).toBe(0o644);
    expect(written()).toEqual([]);
  });

  it.each<[string, () => string | undefined, RegExp]>([
    [
      'useradd fails',
      () => {
        fakeUseradd(10, 'useradd: cannot lock /etc/passwd; try again later.');
        return undefined;
      },
      /cannot create the user drv-t-\d+ \(useradd exited 10: useradd: cannot lock \/etc\/passwd; try again later\.\); nothing was written: create it yourself \(useradd --system .*\), or give --no-task-user/,
    ],
    [
      'useradd is missing',
      onlyId,
      /cannot create the user drv-t-\d+ \(useradd is missing\); nothing was written/,
    ],
  ])('exits 2 when %s, and writes nothing', async (_name, setUp, message) => {
    const pathVar = setUp();
    const result = await install(['--task-user', taskUser], {
      euid: 0,
      ...(pathVar === undefined ? {} : { path: pathVar }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(written()).toEqual([]);
    expect(statSync(token).mode & 0o777).toBe(0o644);
  });

  it('leaves a missing task user to root: without root it runs no useradd and writes nothing', async () => {
    fakeUseradd();
    const result = await install(['--task-user', taskUser], { euid: 1000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--task-user: no user ${taskUser} on this machine, and only root can create it: run install as root`,
    );
    expect(existsSync(record)).toBe(false);
    expect(written()).toEqual([]);
  });

  it('makes the token file 0600 and the bot user’s', async () => {
    const result = await install(['--no-task-user'], { euid: 0 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const st = statSync(token);
    expect(st.mode & 0o777).toBe(0o600);
    expect([st.uid, st.gid]).toEqual([me.uid, me.gid]);
    expect(result.stdout).toContain(`==> made ${token} mode 0600, owned by root\n`);
  });
});

describe('drover-bot install --task-user, the real executable', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('drover-install-task-user-'));
  });
  afterEach(async () => {
    await cleanup();
  });

  it('exits 2 on a bad task user name and writes or changes nothing', async () => {
    const token = path.join(dir, 'bot.token');
    writeFileSync(token, 'tok\n');
    chmodSync(token, 0o644);
    const result = await run(
      [
        process.execPath,
        DROVER_BOT_BIN,
        'install',
        ...base,
        '--task-user',
        'Bad User',
        '--config-dir',
        path.join(dir, 'etc'),
        '--unit-dir',
        path.join(dir, 'units'),
        '--dir',
        path.join(dir, 'work'),
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("drover-bot install: --task-user: not a user name: 'Bad User'");
    expect(result.stdout).toBe('');
    for (const sub of ['etc', 'units', 'work']) expect(existsSync(path.join(dir, sub))).toBe(false);
    expect(statSync(token).mode & 0o777).toBe(0o644);
  });
});
