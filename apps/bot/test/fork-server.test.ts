import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForkServer, type ForkedChild, type ForkSpec } from '../src/containment/fork-server';
import { compile, forkServerBinary, forkServerSource } from '../src/containment/fork-server-binary';
import { BotCgroups } from '../src/containment/task-cgroups';
import { startTask, type RunContainment, type RunResult } from '../src/runner';
import { manifest, tempDir, until, within } from './helpers';

/**
 * The fork server (containment/fork-server.ts, native/drover-spawn.c) forks payloads for the bot:
 * a payload it starts is the payload the bot's own spawn makes — exactly the task's environment
 * and cwd, stdin from /dev/null, a process group of its own, the task's cgroup from its first
 * instruction, the task user's ids — with its output and exact exit status, and a command that
 * cannot run is still a CLIENT_ERROR, never an exit code.
 */

let root: string;
let cleanup: () => Promise<void>;
let binary: string;
let server: ForkServer;
const botDir = () => path.join(root, 'bot');

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('drover-fork-'));
  mkdirSync(botDir(), { recursive: true });
  // The machines the suite runs on build better-sqlite3 from source: a C compiler is there.
  const found = await forkServerBinary(botDir(), {});
  if (!found.ok) throw new Error(`no fork server: ${found.why}`);
  binary = found.path;
  server = await ForkServer.start(binary);
});

afterAll(async () => {
  server.dispose();
  await cleanup();
});

/** Runs `spec` through the suite's server: what it wrote, once it exited. */
async function forkWith(spec: {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
}): Promise<{ stdout: string; code: number | null }> {
  const outcome = await server.spawn({ argv0: spec.file, cwd: '/', ...spec });
  if (!outcome.ok) throw new Error(`not started: ${outcome.stage} ${outcome.code}`);
  const chunks: Buffer[] = [];
  outcome.child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise((r) => outcome.child.stdout.once('close', r));
  const exited = new Promise<number | null>((r) => outcome.child.once('exit', r));
  const [code] = await within(`${spec.file} to end`, Promise.all([exited, closed]), 10_000);
  return { stdout: Buffer.concat(chunks).toString(), code };
}

/** Runs `argv` through `s` and collects everything it writes until it exits. */
async function fork(
  s: ForkServer,
  argv: string[],
  over: { env?: Record<string, string>; cwd?: string; cgroupDir?: string } = {},
): Promise<{
  child: ForkedChild;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}> {
  const outcome = await s.spawn({
    file: argv[0]!,
    argv0: path.basename(argv[0]!),
    args: argv.slice(1),
    env: over.env ?? { PATH: '/usr/bin:/bin' },
    cwd: over.cwd ?? '/',
    ...(over.cgroupDir === undefined ? {} : { cgroupDir: over.cgroupDir }),
  });
  if (!outcome.ok) throw new Error(`not started: ${outcome.stage} ${outcome.code}`);
  const { child } = outcome;
  const read = (stream: NodeJS.ReadableStream) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('close', () => resolve(Buffer.concat(chunks).toString()));
    });
  const exit = new Promise<[number | null, string | null]>((resolve) =>
    child.once('exit', (code: number | null, signal: string | null) => resolve([code, signal])),
  );
  const [stdout, stderr, [code, signal]] = await within(
    `${argv.join(' ')} to end`,
    Promise.all([read(child.stdout), read(child.stderr), exit]),
    10_000,
  );
  return { child, stdout, stderr, code, signal };
}

describe('the fork server', () => {
  it('is compiled once per source and found again', async () => {
    const source = forkServerSource();
    expect(source).toBeDefined();
    const again = await compile(source!, path.join(root, 'cache'));
    expect(again.ok).toBe(true);
    const third = await compile(source!, path.join(root, 'cache'));
    expect(third).toEqual(again);
    // Bundled bot code (self-updating bots) finds it beside its bundle, or goes without.
    const code = path.join(root, 'code');
    mkdirSync(code);
    const bundleUrl = pathToFileURL(path.join(code, 'drover-bot.js')).href;
    expect(await forkServerBinary(botDir(), {}, bundleUrl)).toEqual({
      ok: false,
      why: 'no fork server in this build',
    });
    copyFileSync(binary, path.join(code, 'drover-spawn'));
    expect(await forkServerBinary(botDir(), {}, bundleUrl)).toEqual({
      ok: true,
      path: path.join(code, 'drover-spawn'),
      from: 'bundled',
    });
    expect(await forkServerBinary(botDir(), { DROVER_FORK_SERVER: 'off' })).toEqual({
      ok: false,
      why: 'DROVER_FORK_SERVER=off',
    });
  });

  it('hands back both pipes, every byte, and the exit code', async () => {
    const r = await fork(server, [
      '/bin/sh',
      '-c',
      'head -c 300000 /dev/zero | tr "\\0" a; echo; echo "to stderr" >&2; exit 7',
    ]);
    expect(r.code).toBe(7);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe(`${'a'.repeat(300_000)}\n`);
    expect(r.stderr).toBe('to stderr\n');
    expect(r.child.exitCode).toBe(7);
  });

  it('reports the signal that ended a payload', async () => {
    const r = await fork(server, ['/bin/sh', '-c', 'kill -TERM $$']);
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGTERM');
  });

  it('gives exactly the environment, argv[0] as given, the cwd, /dev/null and a group of its own', async () => {
    const r = await fork(
      server,
      [
        '/bin/sh',
        '-c',
        'printf "%s|%s|%s|%s %s|" "$0" "$(pwd -P)" "$(cat | wc -c)" "$$" "$(ps -o pgid= -p $$ | tr -d " ")"; env -0',
      ],
      { env: { PATH: '/usr/bin:/bin', ODD: 'it\'s "quoted"\nline' }, cwd: root },
    );
    const [argv0, cwd, stdin, pids, env] = r.stdout.split('|');
    expect(argv0).toBe('sh');
    expect(cwd).toBe(root);
    expect(stdin).toBe('0');
    const [pid, pgid] = pids!.split(' ');
    expect(pgid).toBe(pid);
    expect(Number(pid)).toBe(r.child.pid);
    const vars = env!.split('\0').filter((e) => e !== '' && !e.startsWith('PWD='));
    expect(vars.sort()).toEqual(['ODD=it\'s "quoted"\nline', 'PATH=/usr/bin:/bin']);
  });

  it('finds a bare name on the PATH of the task, as the task user, and keeps a relative path as given', async () => {
    // As root a dir only root may search comes first; the task user must skip it (execvp does).
    const rootOnly = path.join(root, 'root-only');
    const shared = path.join(root, 'shared-bin');
    for (const [dir, word] of [
      [rootOnly, 'root'],
      [shared, 'shared'],
    ] as const) {
      mkdirSync(dir, { mode: 0o755 });
      writeFileSync(path.join(dir, 'which-one'), `#!/bin/sh\necho ${word} "$0"\n`);
      chmodSync(path.join(dir, 'which-one'), 0o755);
    }
    chmodSync(rootOnly, 0o700);
    chmodSync(root, 0o755);
    const env = { PATH: `${rootOnly}:${shared}:/usr/bin:/bin` };
    const asUser = await forkWith({ file: 'which-one', args: [], env, uid: 65534, gid: 65534 });
    expect(asUser.stdout).toBe(`shared ${path.join(shared, 'which-one')}\n`);
    const asRoot = await forkWith({ file: 'which-one', args: [], env });
    expect(asRoot.stdout).toBe(`root ${path.join(rootOnly, 'which-one')}\n`);
    // Not found anywhere, or only where it may not be run: the errors execvp gives.
    expect(
      await server.spawn({ file: 'no-such-drover-cmd', argv0: 'x', args: [], env, cwd: '/' }),
    ).toEqual({
      ok: false,
      stage: 'exec',
      code: 'ENOENT',
    });
    expect(
      await server.spawn({
        file: 'which-one',
        argv0: 'x',
        args: [],
        env: { PATH: rootOnly },
        cwd: '/',
        uid: 65534,
        gid: 65534,
      }),
    ).toEqual({ ok: false, stage: 'exec', code: 'EACCES' });
    // A relative path is run from the cwd and reaches a script's interpreter as given.
    const rel = await forkWith({ file: './which-one', args: [], env, cwd: shared });
    expect(rel.stdout).toBe('shared ./which-one\n');
  });

  it('gives the payload every signal at its default, none blocked', async () => {
    const r = await fork(server, ['/bin/sh', '-c', 'grep -E "^Sig(Blk|Ign):" /proc/self/status']);
    expect(r.stdout).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('has a session of its own and shrugs off the signals a terminal sends a group', async () => {
    const stat = readFileSync(`/proc/${server.pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 6: the session; the server leads its own.
    expect(Number(fields[3])).toBe(server.pid);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const)
      process.kill(server.pid, sig);
    expect((await fork(server, ['/bin/true'])).code).toBe(0);
    expect(server.alive).toBe(true);
  });

  it('runs a file without a #! line through /bin/sh, as execvp does', async () => {
    const script = path.join(root, 'no-shebang');
    writeFileSync(script, 'echo "ran $1"\n');
    chmodSync(script, 0o755);
    const r = await fork(server, [script, 'arg']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ran arg\n');
  });

  it('says why a command cannot start, with no exit to follow', async () => {
    const badInterp = path.join(root, 'bad-interp');
    writeFileSync(badInterp, '#!/no/such/interpreter\n');
    chmodSync(badInterp, 0o755);
    expect(
      await server.spawn({ file: badInterp, argv0: 'x', args: [], env: {}, cwd: '/' }),
    ).toEqual({ ok: false, stage: 'exec', code: 'ENOENT' });
    expect(
      await server.spawn({ file: '/bin/true', argv0: 'x', args: [], env: {}, cwd: '/no/such/dir' }),
    ).toEqual({ ok: false, stage: 'chdir', code: 'ENOENT' });
    // A NUL byte cannot reach execve: the server refuses the request, the bot forks it its way.
    expect(
      await server.spawn({ file: '/bin/true', argv0: 'x', args: ['a\0b'], env: {}, cwd: '/' }),
    ).toEqual({ ok: false, stage: 'server', code: 'frame' });
    // It still serves.
    expect((await fork(server, ['/bin/true'])).code).toBe(0);
  });

  it('forks many payloads at once and tells each its own end', async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fork(server, ['/bin/sh', '-c', `echo ${i}; exit ${i}`])),
    );
    runs.forEach((r, i) => {
      expect(r.code).toBe(i);
      expect(r.stdout).toBe(`${i}\n`);
    });
    // One after another: a payload that ends at once may end in the same read as its start.
    for (let i = 0; i < 30; i++) expect((await fork(server, ['/bin/true'])).code).toBe(0);
  });

  it('runs the payload as the task user it is given', async () => {
    // The suite runs as root (CI does).
    const outcome = await server.spawn({
      file: '/usr/bin/id',
      argv0: 'id',
      args: [],
      env: {},
      cwd: '/',
      uid: 65534,
      gid: 65534,
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const out: Buffer[] = [];
    outcome.child.stdout.on('data', (c: Buffer) => out.push(c));
    await within('id to end', new Promise((r) => outcome.child.stdout.once('close', r)), 10_000);
    expect(Buffer.concat(out).toString()).toMatch(
      /^uid=65534\(\w+\) gid=65534\(\w+\) groups=65534\(\w+\)$/m,
    );
  });

  it('run as a user of its own with CAP_SETUID and CAP_SETGID, gives payloads none of them and keeps its /proc files its own', async () => {
    // A bot not root is granted the two as ambient capabilities (docs/bot-security.md). The
    // payload must get none (with CAP_SETUID it could become root), and its setuid must not leave
    // the server's /proc/<pid>/fd root's: the bot opens the payload's pipes there, which a bot
    // without CAP_SYS_PTRACE (a container's default) could then not.
    const wrapper = path.join(root, 'as-nobody');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+setuid,+setgid --ambient-caps=+setuid,+setgid '${binary}'\n`,
    );
    chmodSync(wrapper, 0o755);
    const s = await ForkServer.start(wrapper);
    const caps = 'grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status | tr -s "\\t" " "';
    const none = ['CapInh', 'CapPrm', 'CapEff', 'CapAmb'].map((c) => `${c}: 0000000000000000\n`);
    try {
      expect(statSync(`/proc/${s.pid}/fd`).uid).toBe(65534);
      expect(readFileSync(`/proc/${s.pid}/status`, 'utf8')).toMatch(/^CapAmb:\s+0*c0$/m);
      const outcome = await s.spawn({
        file: '/bin/sh',
        argv0: 'sh',
        args: ['-c', `id -u; ${caps}`],
        env: { PATH: '/usr/bin:/bin' },
        cwd: '/',
        uid: 65533,
        gid: 65533,
      });
      if (!outcome.ok) throw new Error(`not started: ${outcome.stage} ${outcome.code}`);
      const out: Buffer[] = [];
      outcome.child.stdout.on('data', (c: Buffer) => out.push(c));
      await within('it to end', new Promise((r) => outcome.child.stdout.once('close', r)), 10_000);
      expect(Buffer.concat(out).toString()).toBe(['65533\n', ...none].join(''));
      expect(statSync(`/proc/${s.pid}/fd`).uid).toBe(65534);
      // As the server's own user too.
      expect((await fork(s, ['/bin/sh', '-c', caps])).stdout).toBe(none.join(''));
    } finally {
      s.dispose();
    }
    // A payload of a server run as root (the suite's) is root with root's capabilities.
    const asRoot = await fork(server, ['/bin/sh', '-c', 'grep "^CapEff" /proc/self/status']);
    expect(asRoot.stdout).toMatch(/^CapEff:\s+0*[1-9a-f][0-9a-f]*\n$/);
    // Also under no_new_privs (systemd's NoNewPrivileges=), where capabilities dropped before the
    // exec would be gone for good.
    const nnp = path.join(root, 'no-new-privs');
    writeFileSync(nnp, `#!/bin/sh\nexec setpriv --no-new-privs '${binary}'\n`);
    chmodSync(nnp, 0o755);
    const guarded = await ForkServer.start(nnp);
    try {
      const r = await fork(guarded, [
        '/bin/sh',
        '-c',
        'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
      ]);
      expect(r.stdout).toMatch(/^CapEff:\s+0*[1-9a-f][0-9a-f]*\nNoNewPrivs:\s+1\n$/);
    } finally {
      guarded.dispose();
    }
  });

  it('kills the payloads it forked when it dies, says so, and runs again a moment later', async () => {
    const deaths: string[] = [];
    const restarts: number[] = [];
    const s = await ForkServer.start(
      binary,
      { onDeath: (why) => deaths.push(why), onRestart: (pid) => restarts.push(pid) },
      1_000,
    );
    const outcome = await s.spawn({
      file: '/bin/sleep',
      argv0: 'sleep',
      args: ['60'],
      env: {},
      cwd: '/',
    });
    if (!outcome.ok) throw new Error('not started');
    const exit = new Promise<unknown[]>((r) => outcome.child.once('exit', (...a) => r(a)));
    const first = s.pid;
    process.kill(first, 'SIGKILL');
    expect(await within('the payload to be reported ended', exit, 10_000)).toEqual([
      null,
      'SIGKILL',
    ]);
    expect(outcome.child.lost).toBe(true);
    expect(deaths).toHaveLength(1);
    // Until it runs again (a second later) the bot forks payloads itself.
    expect(s.alive).toBe(false);
    expect(await s.spawn({ file: '/bin/true', argv0: 'x', args: [], env: {}, cwd: '/' })).toEqual({
      ok: false,
      stage: 'server',
      code: 'gone',
    });
    await until('the payload gone', () => !alive(outcome.child.pid), 10_000);
    await until('the server running again', () => s.alive, 10_000);
    expect(restarts).toEqual([s.pid]);
    expect(s.pid).not.toBe(first);
    const again = await s.spawn({ file: '/bin/true', argv0: 'x', args: [], env: {}, cwd: '/' });
    expect(again.ok).toBe(true);
    s.dispose();
  });
});

describe('the fork server, when the bot is gone', () => {
  it('kills a payload whose start the bot never took, and leaves those it took', async () => {
    const proc = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    const lines: string[] = [];
    let rest = '';
    proc.stdout.on('data', (c: Buffer) => {
      const parts = (rest + c.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
    const frame = (kind: string, fields: string[]) => {
      const body = Buffer.from(`${kind}${fields.map((f) => `${f}\0`).join('')}`);
      const head = Buffer.alloc(4);
      head.writeUInt32LE(body.length);
      return Buffer.concat([head, body]);
    };
    const start = (id: string) =>
      frame('S', [id, '/bin/sleep', '/', '', '', '', '2', 'sleep', '60', '0']);
    proc.stdin.write(start('1'));
    proc.stdin.write(start('2'));
    await until('both started', () => lines.filter((l) => l.startsWith('S ')).length === 2, 10_000);
    const [taken, untaken] = lines
      .filter((l) => l.startsWith('S '))
      .map((l) => l.split(' ').map(Number) as [number, number, number, number, number]);
    // The bot took the first (its 'C'), then died before it read of the second.
    proc.stdin.write(frame('C', [String(taken![3]), String(taken![4])]));
    proc.stdin.end();
    await within('the server to exit', new Promise((r) => proc.once('exit', r)), 10_000);
    await until('the untaken payload gone', () => !alive(untaken![2]), 10_000);
    expect(alive(taken![2])).toBe(true);
    process.kill(taken![2], 'SIGKILL');
  });
});

describe('the fork server, when the bot stops reading', () => {
  it('kills the payload it started but could not tell the bot of, and exits', async () => {
    const proc = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    await new Promise((r) => proc.stdout.once('data', r)); // its ready line
    // The bot is gone: its end of the server's stdout closed, its end of stdin still open.
    proc.stdout.destroy();
    const marker = `3000.${process.pid}${Date.now() % 100000}`;
    const body = Buffer.from(
      ['1', '/bin/sleep', '/', '', '', '', '2', 'sleep', marker, '0'].map((f) => `${f}\0`).join(''),
    );
    const head = Buffer.alloc(5);
    head.writeUInt32LE(body.length + 1);
    head[4] = 0x53; // 'S'
    proc.stdin.write(Buffer.concat([head, body]));
    await within('the server to exit', new Promise((r) => proc.once('exit', r)), 10_000);
    await until('no payload left', () => !processWithArgv(marker), 10_000);
    proc.stdin.destroy();
  });
});

/** Whether a running process has `marker` in its command line. */
function processWithArgv(marker: string): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker) && alive(Number(name)))
        return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    // A zombie counts as gone: its state is Z.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

describe('a payload the runner starts through the fork server', () => {
  let cgroups: BotCgroups;
  let containment: RunContainment;

  beforeAll(() => {
    const setup = BotCgroups.setup({ botId: 'fork-server', botDir: botDir(), env: {} });
    // The suite runs as root (CI does): a bot run by hand as root always has its cgroups.
    if (!setup.ok) throw new Error(`no cgroup for tasks on this machine: ${setup.why}`);
    cgroups = setup.cgroups;
    containment = { kind: 'cgroup', cgroups, forkServer: server };
  });

  async function run(
    taskId: string,
    command: string[],
    how: RunContainment = containment,
  ): Promise<{ result: RunResult; output: string }> {
    const chunks: Buffer[] = [];
    const task = startTask({
      taskId,
      leaseId: 'lease',
      botId: 'fork-server',
      server: '127.0.0.1:9',
      botDir: botDir(),
      baseEnv: { PATH: process.env.PATH },
      manifest: manifest(command),
      onOutput: (b) => chunks.push(b),
      containment: how,
    });
    const result = await within(`${taskId}'s end`, task.result, 15_000);
    return { result, output: Buffer.concat(chunks).toString() };
  }

  it('starts in its task cgroup, never in the bot’s, leading its own group', async () => {
    const { result, output } = await run('fork-place', [
      'sh',
      '-c',
      'echo "--pgid $$ $(ps -o pgid= -p $$)"; echo --server-child $(ps -o ppid= -p $$); cat /proc/self/cgroup',
    ]);
    expect(result.exitCode).toBe(0);
    expect(output).toMatch(/^0::.*\/tasks\/task-fork-place$/m);
    const pgid = /--pgid (\d+) +(\d+)/.exec(output);
    expect(pgid?.[1]).toBe(pgid?.[2]);
    expect(output).toContain(`--server-child ${server.pid}`);
  });

  it('kills what the payload left behind in its cgroup', async () => {
    const { result } = await run('fork-orphan', ['sh', '-c', '(setsid sleep 60 &) ; exit 0']);
    expect(result.exitCode).toBe(0);
    expect(result.escapedKilled?.length).toBe(1);
  });

  it('ends a command the kernel will not start CLIENT_ERROR, as the bot’s own spawn does', async () => {
    const missing = await run('fork-missing', ['no-such-command-drover-fork']);
    expect(missing.result.exitCode).toBeNull();
    expect(missing.result.clientError).toMatch(/no such file/);
    const badInterp = path.join(root, 'bad-interp-task');
    writeFileSync(badInterp, '#!/no/such/interpreter\n');
    chmodSync(badInterp, 0o755);
    const bad = await run('fork-bad-interp', [badInterp]);
    expect(bad.result.exitCode).toBeNull();
    expect(bad.result.clientError).toMatch(/cannot run .*no such file.*\(ENOENT\)/);
    expect(bad.output).toBe('');
  });

  it('is stopped by the termination dance and times out as any payload', async () => {
    const task = startTask({
      taskId: 'fork-timeout',
      leaseId: 'lease',
      botId: 'fork-server',
      server: '127.0.0.1:9',
      botDir: botDir(),
      baseEnv: { PATH: process.env.PATH },
      manifest: manifest(['sleep', '60']),
      onOutput: () => {},
      containment,
      executionTimeoutMs: 200,
      graceMs: 200,
    });
    const result = await within('the timed-out task to end', task.result, 15_000);
    expect(result.timedOut).toBe('hard');
    expect(result.exitCode).toBe(-15);
  });

  it('never runs a command twice when the server dies with the request in hand', async () => {
    // A server that started the payload, then died before it could say so.
    const firstCopies: number[] = [];
    const dying = {
      alive: true,
      spawn: (spec: ForkSpec) => {
        const child = spawn('/bin/sleep', ['300'], { env: { ...spec.env }, detached: true });
        child.unref();
        firstCopies.push(child.pid!);
        if (spec.cgroupDir !== undefined)
          writeFileSync(path.join(spec.cgroupDir, 'cgroup.procs'), String(child.pid));
        return Promise.resolve({ ok: false, stage: 'server', code: 'gone', sent: true });
      },
    } as unknown as ForkServer;
    for (const how of [
      { kind: 'cgroup', cgroups, forkServer: dying },
      { kind: 'pgroup', forkServer: dying },
    ] as RunContainment[]) {
      const { result, output } = await run(`fork-died-${how.kind}`, ['echo', 'ran'], how);
      expect(result.exitCode).toBe(0);
      expect(output).toBe('ran\n');
      await until('the first copy gone', () => !alive(firstCopies.at(-1)!), 10_000);
    }
  });

  it('runs the same way without cgroups (process group and sweep)', async () => {
    const { result, output } = await run(
      'fork-pgroup',
      ['sh', '-c', 'echo "$DROVER_TASK_ID $(ps -o ppid= -p $$ | tr -d " ")"; exit 3'],
      { kind: 'pgroup', forkServer: server },
    );
    expect(result.exitCode).toBe(3);
    expect(output).toBe(`fork-pgroup ${server.pid}\n`);
  });
});

describe('the fork server built to copy itself at each fork (other architectures than x86-64)', () => {
  // On x86-64 the payload shares the server's memory until its exec (CLONE_VM | CLONE_VFORK);
  // elsewhere each fork copies it. Both builds must make the same payload.
  let copying: ForkServer;
  let cgroups: BotCgroups;

  beforeAll(async () => {
    const out = path.join(root, 'drover-spawn-copying');
    await promisify(execFile)('cc', [
      '-O2',
      '-DDROVER_SPAWN_COPY_FORK',
      '-o',
      out,
      forkServerSource()!,
    ]);
    copying = await ForkServer.start(out);
    const setup = BotCgroups.setup({ botId: 'fork-copying', botDir: botDir(), env: {} });
    if (!setup.ok) throw new Error(`no cgroup for tasks on this machine: ${setup.why}`);
    cgroups = setup.cgroups;
  });

  afterAll(() => copying?.dispose());

  it('hands back the output, the exit, the environment, the cwd and a group of its own', async () => {
    const r = await fork(
      copying,
      [
        '/bin/sh',
        '-c',
        'printf "%s|%s|%s|%s" "$0" "$(pwd -P)" "$$" "$(ps -o pgid= -p $$ | tr -d " ")"; echo e >&2; exit 5',
      ],
      { env: { PATH: '/usr/bin:/bin' }, cwd: root },
    );
    expect(r.code).toBe(5);
    const [argv0, cwd, pid, pgid] = r.stdout.split('|');
    expect([argv0, cwd, pgid]).toEqual(['sh', root, pid]);
    expect(Number(pid)).toBe(r.child.pid);
    expect(r.stderr).toBe('e\n');
    expect((await fork(copying, ['/bin/sh', '-c', 'kill -KILL $$'])).signal).toBe('SIGKILL');
  });

  it('forks straight into the task cgroup, and says why a command cannot start', async () => {
    const cg = cgroups.tryCreateTask('copying-place');
    if (cg === undefined) throw new Error('no task cgroup');
    const r = await fork(copying, ['/bin/cat', '/proc/self/cgroup'], { cgroupDir: cg.dir });
    expect(r.stdout).toMatch(/^0::.*\/tasks\/task-copying-place$/m);
    await cg.remove();
    expect(
      await copying.spawn({ file: 'no-such-command', argv0: 'x', args: [], env: {}, cwd: '/' }),
    ).toEqual({ ok: false, stage: 'exec', code: 'ENOENT' });
    expect(
      await copying.spawn({ file: '/bin/true', argv0: 'x', args: [], env: {}, cwd: '/no/such' }),
    ).toEqual({ ok: false, stage: 'chdir', code: 'ENOENT' });
    expect((await fork(copying, ['/bin/true'])).code).toBe(0);
  });
});
