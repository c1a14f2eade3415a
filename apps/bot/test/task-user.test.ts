import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  giveTo,
  prepareBotDirForTaskUser,
  readableBy,
  resolveTaskUser,
  userSwitching,
  type TaskUser,
} from '../src/task-user';
import { tempDir, within } from './helpers';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment:x:1:1:c:/:/bin/sh',
  'broken line',
  'wheelie:x:1500:0::/home/wheelie:/bin/sh',
  'drover-task:x:998:997:Drover payloads:/var/lib/drover-task:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');
const GROUP = 'root:x:0:\ndrover-task:x:997:\n';

describe('resolveTaskUser', () => {
  it('finds a user by name, and by uid', () => {
    const user = { name: 'drover-task', uid: 998, gid: 997, home: '/var/lib/drover-task' };
    expect(resolveTaskUser('drover-task', { passwd: PASSWD, group: GROUP })).toEqual({
      ok: true,
      user,
    });
    expect(resolveTaskUser('998', { passwd: PASSWD })).toEqual({ ok: true, user });
  });

  it.each([
    [
      'root by name',
      'root',
      /'root' is root \(uid 0\); the task user must be an unprivileged user/,
    ],
    ['root by uid', '0', /must be an unprivileged user/],
    ['a user of the root group', 'wheelie', /group 'root' \(gid 0\).*unprivileged/],
    ['a name not in the file', 'ghost', /no user 'ghost' in \/etc\/passwd/],
    ['a uid not in the file', '4242', /no user with uid '4242'/],
    ['a malformed line', 'broken line', /no user 'broken line'/],
  ])('refuses %s', (_what, name, message) => {
    const outcome = resolveTaskUser(name, { passwd: PASSWD, group: GROUP });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(message);
  });

  it('reads /etc/passwd when given no files', () => {
    expect(resolveTaskUser('nobody')).toMatchObject({ ok: true, user: { uid: 65534 } });
  });
});

describe('userSwitching', () => {
  const status = (capEff: string) => `Name:\tnode\nCapInh:\t0\nCapEff:\t${capEff}\nCapBnd:\t0\n`;

  it('is possible as root, whatever the capabilities say', () => {
    expect(userSwitching({ euid: 0, procStatus: status('0') })).toEqual({ ok: true });
  });

  it('is possible with CAP_SETUID and CAP_SETGID, naming what else a bot lacks', () => {
    // Bits 6 and 7 only.
    const outcome = userSwitching({ euid: 1000, procStatus: status('00000000000000c0') });
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.missing?.join(' ')).toMatch(/CAP_CHOWN.*CAP_KILL.*CAP_DAC_OVERRIDE/);
    }
    expect(userSwitching({ euid: 1000, procStatus: status('00000000000000e3') })).toEqual({
      ok: true,
    });
  });

  it('is refused without them, saying which', () => {
    expect(userSwitching({ euid: 1000, procStatus: status('0000000000000080') })).toEqual({
      ok: false,
      why: 'the bot runs as uid 1000 without CAP_SETGID',
    });
    expect(userSwitching({ euid: 1000, procStatus: 'Name:\tnode\n' })).toEqual({
      ok: false,
      why: 'the bot runs as uid 1000 without CAP_SETUID and CAP_SETGID',
    });
  });
});

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const nobody = (): TaskUser => {
  const outcome = resolveTaskUser('nobody');
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.user;
};
const modeOf = (p: string) => `0${(statSync(p).mode & 0o777).toString(8)}`;

describe('prepareBotDirForTaskUser', () => {
  it('lets the task user traverse to its dirs, and keeps the rest the bot’s', () => {
    chmodSync(root, 0o755);
    const botDir = path.join(root, 'bot');
    mkdirSync(path.join(botDir, 'caches'), { recursive: true, mode: 0o755 });
    mkdirSync(path.join(botDir, 'groups'), { mode: 0o750 });
    writeFileSync(path.join(botDir, 'bot.lock'), '1\n', { mode: 0o644 });
    prepareBotDirForTaskUser(botDir, nobody());
    expect(modeOf(botDir)).toBe('0711');
    for (const name of ['w', 'out', 'tmp']) expect(modeOf(path.join(botDir, name))).toBe('0711');
    expect(modeOf(path.join(botDir, 'caches'))).toBe('0700');
    expect(modeOf(path.join(botDir, 'groups'))).toBe('0700');
    expect(modeOf(path.join(botDir, 'bot.lock'))).toBe('0600');
  });

  it('refuses a bot dir below a dir the task user cannot pass, naming it', () => {
    // mkdtemp makes `root` 0700.
    const botDir = path.join(root, 'bot');
    mkdirSync(botDir);
    expect(() => prepareBotDirForTaskUser(botDir, nobody())).toThrow(
      new RegExp(`^${root} \\(mode 0700\\) does not let the task user nobody through`),
    );
  });
});

describe('readableBy', () => {
  it('says when the task user could read the token file, and not when a dir above is closed', () => {
    const user = nobody();
    chmodSync(root, 0o755);
    const dir = path.join(root, 'etc');
    mkdirSync(dir, { mode: 0o755 });
    const file = path.join(dir, 'bot.token');
    writeFileSync(file, 'tok\n', { mode: 0o644 });
    expect(readableBy(file, user)).toMatch(
      /bot\.token \(mode 0644, owner uid 0\) is readable by the task user nobody/,
    );
    chmodSync(file, 0o600);
    expect(readableBy(file, user)).toBeUndefined();
    chmodSync(file, 0o644);
    chmodSync(dir, 0o700);
    expect(readableBy(file, user)).toBeUndefined();
  });
});

/** Runs `script` with sh as `user` (node's spawn uid/gid); its output and exit code. */
function runAs(
  user: TaskUser,
  script: string,
  opts: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; out: string }> {
  return within(
    'payload as the task user',
    new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', script], {
        ...opts,
        uid: user.uid,
        gid: user.gid,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    }),
    10_000,
  );
}

describe('a payload run as the task user', () => {
  it('gets nothing of the bot’s token, and writes only in its own dirs', async () => {
    // This test needs root (it switches users, as the bot does with --task-user).
    expect(process.geteuid?.(), 'run as root: the test starts processes as nobody').toBe(0);
    const user = nobody();
    chmodSync(root, 0o755);
    const token = `secret-${process.pid}-token`;
    // As the installer leaves them: the token file 0600 in a dir of the bot's, then the bot dir.
    const etc = path.join(root, 'etc');
    mkdirSync(etc, { mode: 0o700 });
    const tokenFile = path.join(etc, 'bot.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const botDir = path.join(root, 'bot');
    mkdirSync(path.join(botDir, 'caches', 'c1'), { recursive: true, mode: 0o700 });
    prepareBotDirForTaskUser(botDir, user);
    const workDir = path.join(botDir, 'w', 't1');
    const tmpDir = path.join(botDir, 'tmp', 't1');
    for (const dir of [workDir, tmpDir]) {
      mkdirSync(dir);
      giveTo(dir, user);
    }
    // A stand-in for the bot: root, the token in its environment, the file named on its command line.
    const bot = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', '--', '--token-file', tokenFile],
      { env: { DROVER_BOT_TOKEN: token }, stdio: 'ignore' },
    );
    try {
      const script = [
        'id -u',
        `cat /proc/${bot.pid}/environ && echo READ-ENVIRON`,
        `tr '\\0' ' ' < /proc/${bot.pid}/cmdline; echo`,
        `cat ${tokenFile} && echo READ-TOKEN`,
        `ls ${etc} && echo LISTED-ETC`,
        `ls ${botDir} && echo LISTED-BOT-DIR`,
        `ls ${botDir}/w && echo LISTED-WORK-DIRS`,
        `ls ${botDir}/caches/c1 && echo REACHED-CACHES`,
        `touch ${botDir}/x && echo WROTE-BOT-DIR`,
        `touch ${botDir}/w/x && echo WROTE-IN-W`,
        `touch ${root}/x && echo WROTE-ABOVE`,
        'echo work > ./file && echo WROTE-WORK-DIR',
        'echo tmp > "$TMPDIR/file" && echo WROTE-TMPDIR',
      ].join('\n');
      const r = await runAs(user, script, {
        cwd: workDir,
        env: { PATH: '/usr/bin:/bin', TMPDIR: tmpDir },
      });
      expect(r.out.split('\n')[0]).toBe(String(user.uid));
      expect(r.out).not.toContain(token);
      for (const refused of [
        'READ-ENVIRON',
        'READ-TOKEN',
        'LISTED-ETC',
        'LISTED-BOT-DIR',
        'LISTED-WORK-DIRS',
        'REACHED-CACHES',
        'WROTE-BOT-DIR',
        'WROTE-IN-W',
        'WROTE-ABOVE',
      ])
        expect(r.out).not.toContain(refused);
      // The command line is anyone's to read: it names the file, never the token.
      expect(r.out).toContain(`--token-file ${tokenFile}`);
      expect(r.out).toContain('WROTE-WORK-DIR');
      expect(r.out).toContain('WROTE-TMPDIR');
      expect(statSync(path.join(workDir, 'file')).uid).toBe(user.uid);
    } finally {
      bot.kill('SIGKILL');
    }
  });
});
