// The release path, as a user takes it: `npm run release` builds release/ (here into a temp dir);
// its executables run with no Node.js on PATH; the coordinator runs from a copy of the release
// with only `node` on PATH; a worker installs its bot by piping the coordinator's install.sh into
// sh; the installed bot connects and runs a task submitted with the released drover. install.sh
// refuses a refused token and a tampered download, leaving nothing behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let work: string;
/** The release as built. */
let built: string;
/** A copy of it, where the coordinator runs (the tamper case changes its bot executable). */
let installed: string;
/** A directory holding only a `node` symlink: the coordinator's whole PATH. */
let nodeOnly: string;
let dataDir: string;
let grpc = '';
let http = '';
const children: ChildProcess[] = [];

/** The environment of a machine with no Node.js: the system's tools only. */
const SYSTEM_PATH = '/usr/bin:/bin';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: work,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Starts a long-running program and resolves with its first JSON log line whose msg is `ready`. */
function startUntil(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: string,
  /** Every log record before `ready`, when given. */
  records?: Record<string, unknown>[],
): Promise<Record<string, unknown>> {
  const child = spawn(command, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not log "${ready}" within 90 s:\n${seen}`)),
      90_000,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        seen += `${line}\n`;
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          records?.push(rec);
          if (rec['msg'] === ready) {
            clearTimeout(timer);
            resolve(rec);
          }
        } catch {
          // not a log record
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before "${ready}":\n${seen}`));
    });
  });
}

const drover = (args: string[]) =>
  run(
    join(installed, 'drover'),
    ['--server', grpc, '--token-file', join(dataDir, 'client.token'), ...args],
    { PATH: SYSTEM_PATH, HOME: work },
  );

async function installScript(): Promise<string> {
  const res = await fetch(`http://${http}/bot/install.sh`);
  expect(res.status).toBe(200);
  return res.text();
}

const shInstall = (script: string, args: string[]) =>
  run('/bin/sh', ['-s', '--', ...args], { PATH: SYSTEM_PATH, HOME: work }, script);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-release-'));
  built = join(work, 'release');
  const build = await run(
    process.execPath,
    [join(repoRoot, 'tools/bin/release.js'), '--out', built],
    {
      ...(process.env as Record<string, string>),
    },
  );
  if (build.code !== 0)
    throw new Error(`npm run release failed:\n${build.stdout}\n${build.stderr}`);

  installed = join(work, 'copy');
  const copied = spawnSync('cp', ['-a', built, installed]);
  expect(copied.status).toBe(0);
  nodeOnly = join(work, 'node-only');
  mkdirSync(nodeOnly);
  symlinkSync(process.execPath, join(nodeOnly, 'node'));
  dataDir = join(work, 'data');
  const ready = await startUntil(
    join(installed, 'drover-coordinator', 'bin', 'drover-coordinator'),
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    { PATH: nodeOnly, HOME: work, DROVER_LOG_FORMAT: 'json' },
    'coordinator ready',
  );
  grpc = String(ready['grpc']);
  http = String(ready['http']);
}, 300_000);

afterAll(async () => {
  for (const child of children.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

// Each case runs real processes (100 MB executables, a bot's first probe): generous on a busy CI.
describe('the release artifacts', { timeout: 180_000 }, () => {
  it('SHA256SUMS covers every file, and sha256sum -c accepts them', () => {
    const sums = readFileSync(join(built, 'SHA256SUMS'), 'utf8');
    const listed = sums
      .trim()
      .split('\n')
      .map((l) => l.slice(66));
    for (const name of ['drover', 'drover-bot', 'drover-coordinator/drover-coordinator.mjs'])
      expect(listed).toContain(name);
    expect(listed).toContain(
      'drover-coordinator/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    );
    expect(listed).toContain('drover-coordinator/bot/drover-bot-linux-x64');
    expect(readdirSync(built).sort()).toEqual([
      'SHA256SUMS',
      'drover',
      'drover-bot',
      'drover-coordinator',
    ]);
    const check = spawnSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], {
      cwd: built,
      encoding: 'utf8',
    });
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('each program says the same version and commit; the executables need no Node.js', async () => {
    const noNode = { PATH: SYSTEM_PATH };
    const cli = await run(join(built, 'drover'), ['--version'], noNode);
    const bot = await run(join(built, 'drover-bot'), ['--version'], noNode);
    const coord = await run(
      join(built, 'drover-coordinator', 'bin', 'drover-coordinator'),
      ['--version'],
      { PATH: nodeOnly },
    );
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const line = /^(\S+) (\S+) \(commit (\S+)\)\n$/;
    const parsed = [cli, bot, coord].map((r) => {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return line.exec(r.stdout)!.slice(1);
    });
    expect(parsed.map((p) => p[0])).toEqual(['drover', 'drover-bot', 'drover-coordinator']);
    for (const p of parsed) expect(p[1]).toBe(pkg.version);
    expect(new Set(parsed.map((p) => p[2])).size).toBe(1);
    expect(parsed[0]![2]).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    const health = (await (await fetch(`http://${http}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toEqual({ status: 'ok', version: pkg.version, commit: parsed[0]![2] });
  });

  it('drover-bot is the CLI too when invoked as `drover`, and still the bot by its own name', async () => {
    const noNode = { PATH: SYSTEM_PATH };
    const asCli = join(work, 'multi-call');
    mkdirSync(asCli);
    symlinkSync(join(built, 'drover-bot'), join(asCli, 'drover'));
    const cli = await run(join(asCli, 'drover'), ['--version'], noNode);
    const released = await run(join(built, 'drover'), ['--version'], noNode);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^drover \S+ \(commit \S+\)\n$/);
    expect(cli.stdout).toBe(released.stdout);
    const cliHelp = await run(join(asCli, 'drover'), ['--help'], noNode);
    expect(cliHelp.stdout).toMatch(/^Usage: drover /);
    const botHelp = await run(join(built, 'drover-bot'), ['--help'], noNode);
    expect(botHelp.code).toBe(0);
    expect(botHelp.stdout).toMatch(/^Usage: drover-bot /);
    const botVersion = await run(join(built, 'drover-bot'), ['--version'], noNode);
    expect(botVersion.stdout).toMatch(/^drover-bot \S+ \(commit \S+\)\n$/);
  });
});

describe('a worker installs its bot with one line', { timeout: 180_000 }, () => {
  it('install.sh from the coordinator installs the bot, which connects and runs a task', async () => {
    const prefix = join(work, 'worker');
    const script = await installScript();
    const res = await shInstall(script, [
      '--token-file',
      join(dataDir, 'bot.token'),
      '--prefix',
      prefix,
      '--no-start',
      '--pool',
      'default',
      '--id',
      'released-bot',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Not started. Start it with:');
    const bot = join(prefix, 'usr/local/bin/drover-bot');
    const config = join(prefix, 'etc/drover/bot.yaml');
    expect(readFileSync(join(prefix, 'etc/drover/bot.token'), 'utf8').trim()).toBe(
      readFileSync(join(dataDir, 'bot.token'), 'utf8').trim(),
    );
    const unit = readFileSync(join(prefix, 'etc/systemd/system/drover-bot.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${bot} --config ${config}\n`);

    // Started as the unit would start it: the installed executable and its config, nothing else.
    const records: Record<string, unknown>[] = [];
    const ready = await startUntil(
      bot,
      ['--config', config],
      { PATH: SYSTEM_PATH, HOME: work, DROVER_MIN_FREE_DISK: '0' },
      'bot ready',
      records,
    );
    expect(ready['botId']).toBe('released-bot');
    // Its payloads are forked by the fork server it carries (no C compiler or Node.js needed).
    expect(records.find((r) => r['msg'] === 'a fork server forks the payloads')).toMatchObject({
      from: 'release',
    });

    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--',
      'sh',
      '-c',
      'echo hi; exit 3',
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    const waited = await drover(['wait', id]);
    expect(waited.code).toBe(3);
    const result = await drover(['result', id, '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      state: 'COMPLETED',
      exit_code: '3',
      bot_id: 'released-bot',
    });
    expect((await drover(['logs', id])).stdout).toBe('hi\n');

    // The released coordinator serves the same result over the Connect protocol, as curl asks.
    const overHttp = await fetch(`http://${http}/drover.v1.Tasks/GetResult`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${readFileSync(join(dataDir, 'client.token'), 'utf8').trim()}`,
      },
      body: JSON.stringify({ task_id: id }),
    });
    expect(overHttp.status).toBe(200);
    expect(await overHttp.json()).toMatchObject({
      task_id: id,
      state: 'COMPLETED',
      exit_code: '3',
      bot_id: 'released-bot',
    });
  });

  it('a task of the installed bot runs drover by PATH and as $DROVER_CLI, with no Node.js', async () => {
    // The bot installed and started by the case above (PATH: the system's tools only).
    const prefix = join(work, 'worker');
    const submitted = await drover([
      ...['submit', '-d', 'pool=default', '--', 'sh', '-c'],
      'echo "which: $(command -v drover)"; echo "cli: $DROVER_CLI"; echo "link: $(readlink "$DROVER_CLI")"; "$DROVER_CLI" --version && drover --version',
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect((await drover(['wait', id])).code).toBe(0);
    const cli = join(prefix, 'var/lib/drover-bot/bin/drover');
    const version = (await run(join(built, 'drover'), ['--version'], { PATH: SYSTEM_PATH })).stdout;
    expect((await drover(['logs', id])).stdout).toBe(
      `which: ${cli}\ncli: ${cli}\nlink: ${join(prefix, 'usr/local/bin/drover-bot')}\n` +
        `${version}${version}`,
    );
  });

  it('--dry-run downloads and checks the bot, says what it would do and writes nothing', async () => {
    const prefix = join(work, 'dry');
    const res = await shInstall(await installScript(), [
      '--token-file',
      join(dataDir, 'bot.token'),
      '--prefix',
      prefix,
      '--dry-run',
      '--dimension',
      'gpu=none',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^verified drover-bot \S+ \(commit/m);
    expect(res.stdout).toContain(`would write ${prefix}/etc/drover/bot.yaml`);
    expect(res.stdout).toContain('(dry run: nothing was written)');
    expect(existsSync(prefix)).toBe(false);
  });

  it('installing into / without systemd is refused before anything is written', async () => {
    // --dry-run keeps this harmless on a machine that has systemd: there it only plans.
    const res = await shInstall(await installScript(), [
      '--token-file',
      join(dataDir, 'bot.token'),
      '--dry-run',
    ]);
    if (process.getuid?.() !== 0) {
      expect(res.stderr).toContain('run as root');
      expect(res.code).toBe(1);
    } else if (!existsSync('/run/systemd/system')) {
      expect(res.stderr).toContain('systemd is not running here: add --no-start');
      expect(res.code).toBe(1);
    } else {
      expect(res.stdout).toContain('would run: systemctl daemon-reload');
      expect(res.code).toBe(0);
    }
  });

  it("with TLS: the script, the download and the bot use the coordinator's CA", async () => {
    const fixtures = join(repoRoot, 'apps/coordinator/test/fixtures/tls');
    const tlsData = join(work, 'tls-data');
    const ready = await startUntil(
      join(installed, 'drover-coordinator', 'bin', 'drover-coordinator'),
      [
        ...['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', tlsData],
        ...['--tls-cert', join(fixtures, 'server.crt'), '--tls-key', join(fixtures, 'server.key')],
      ],
      { PATH: nodeOnly, HOME: work, DROVER_LOG_FORMAT: 'json' },
      'coordinator ready',
    );
    const ca = join(fixtures, 'server.crt');
    const fetched = await run(
      'curl',
      ['-fsS', '--cacert', ca, `https://${String(ready['http'])}/bot/install.sh`],
      { PATH: SYSTEM_PATH },
    );
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toContain(`DROVER_URL='https://${String(ready['http'])}'`);
    const prefix = join(work, 'tls-worker');
    const res = await shInstall(fetched.stdout, [
      ...['--token-file', join(tlsData, 'bot.token'), '--ca-file', ca],
      ...['--prefix', prefix, '--no-start', '--id', 'tls-bot'],
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(readFileSync(join(prefix, 'etc/drover/ca.pem'), 'utf8')).toBe(readFileSync(ca, 'utf8'));
    const bot = await startUntil(
      join(prefix, 'usr/local/bin/drover-bot'),
      ['--config', join(prefix, 'etc/drover/bot.yaml')],
      { PATH: SYSTEM_PATH, HOME: work, DROVER_MIN_FREE_DISK: '0' },
      'bot ready',
    );
    expect(bot).toMatchObject({ botId: 'tls-bot', tls: 'ca-file' });
  });

  it('refuses a token the coordinator refuses, leaving nothing under the prefix', async () => {
    const script = await installScript();
    for (const token of ['not-a-real-token', readFileSync(join(dataDir, 'client.token'), 'utf8')]) {
      const prefix = join(work, `refused-${token.length}`);
      const tokenFile = join(work, `token-${token.length}`);
      writeFileSync(tokenFile, token);
      const res = await shInstall(script, [
        '--token-file',
        tokenFile,
        '--prefix',
        prefix,
        '--no-start',
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/the coordinator refused the token in .* \(HTTP 40[13]\)/);
      expect(existsSync(prefix)).toBe(false);
    }
  });

  it('an unreachable coordinator stops it with a message, nothing written', async () => {
    // The script as served, pointing at a port nothing listens on (this machine's only).
    const script = (await installScript()).replace(
      /^DROVER_URL='[^']*'$/m,
      "DROVER_URL='http://127.0.0.1:1'",
    );
    const prefix = join(work, 'unreachable');
    const res = await shInstall(script, [
      ...['--token-file', join(dataDir, 'bot.token'), '--prefix', prefix, '--no-start'],
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot reach the coordinator at http://127.0.0.1:1');
    expect(existsSync(prefix)).toBe(false);
  });

  it('refuses a download whose checksum is not the one the coordinator announced', async () => {
    // What the coordinator announced at its start, then the file it serves changes under it.
    const script = await installScript();
    const served = openSync(
      join(installed, 'drover-coordinator', 'bot', 'drover-bot-linux-x64'),
      'r+',
    );
    writeSync(served, 'tampered', 4096);
    closeSync(served);
    const prefix = join(work, 'tampered');
    const res = await shInstall(script, [
      '--token-file',
      join(dataDir, 'bot.token'),
      '--prefix',
      prefix,
      '--no-start',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /SHA-256 is [0-9a-f]{64}, the coordinator said [0-9a-f]{64}: not installing it/,
    );
    expect(existsSync(prefix)).toBe(false);
  });
});
