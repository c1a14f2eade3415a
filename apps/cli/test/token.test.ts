// `drover token generate` (for the tokens file) runs in-process on the real command tree; it touches only files.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { checkAuthConfig, hashToken } from '@drover/protocol';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program';
import { registerToken } from '../src/token';
import { memoryRuntime } from './support/memory-runtime';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'drover-token-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs `drover <args>` like runCli, with `token` registered unless program.ts already does. */
async function drover(args: string[], env: Record<string, string> = {}) {
  const io = memoryRuntime(env, cwd);
  let code = 0;
  const host = { rt: io.rt, exitWith: (c: number) => (code = c) };
  const program = buildProgram(host);
  if (!program.commands.some((c) => c.name() === 'token')) registerToken(program, host);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe('drover token generate', () => {
  it('prints a client token first on stdout and its entry, with only the hash, on stderr', async () => {
    const run = await drover(['token', 'generate', '--name', 'ci', '--role', 'ci=view,submit']);
    expect(run.code).toBe(0);
    const token = run.stdout.split('\n')[0]!;
    expect(token).toMatch(/^drv_c_[A-Za-z0-9_-]{43}$/);
    expect(run.stdout).toBe(`${token}\n`);
    expect(run.stderr).not.toContain(token);
    const json = run.stderr.split('\n').find((l) => l.startsWith('{'))!;
    expect(JSON.parse(json)).toEqual({
      name: 'ci',
      sha256: hashToken(token),
      roles: { ci: ['view', 'submit'] },
    });
    // The YAML form is a list item a YAML tokens file accepts as is.
    const yaml = parseYaml(run.stderr.replace(/^#.*$/gm, '').replace(/^\{.*$/m, '')) as unknown;
    expect(checkAuthConfig({ version: 2, principals: yaml }).ok).toBe(true);
  });

  it('makes a bot group entry with bot id patterns and forced dimensions', async () => {
    const run = await drover([
      'token',
      'generate',
      '--bot',
      '--name',
      'ci-bots',
      '--bot-ids',
      'ci-*',
      '-d',
      'pool=ci',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const made = JSON.parse(run.stdout) as { token: string; section: string; entry: unknown };
    expect(made.token).toMatch(/^drv_b_/);
    expect(made.section).toBe('botGroups');
    expect(made.entry).toEqual({
      name: 'ci-bots',
      sha256: hashToken(made.token),
      botIds: ['ci-*'],
      dimensions: { pool: ['ci'] },
    });
  });

  it('makes a fresh token every time', async () => {
    const a = await drover(['token', 'generate', '--name', 'x', '--admin']);
    const b = await drover(['token', 'generate', '--name', 'x', '--admin']);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it.each([
    [['--role', 'ci=view'], "required option '--name <name>' not specified"],
    [['--name', 'x'], 'give --admin or at least one --role'],
    [['--name', 'x', '--role', 'ci=read'], '"read" is not a role'],
    [['--name', 'x', '--role', 'view'], 'expected POOL=ROLE'],
    [['--name', 'x', '--role', 'a|b=view'], 'bad pool'],
    [['--name', 'x', '--bot', '--admin'], 'not with --bot'],
    [['--name', 'x', '--admin', '-d', 'pool=ci'], 'add --bot'],
    [['--name', 'x', '--bot', '--bot-ids', 'a b'], 'botIds[0]'],
    [['--name', 'x', '--bot', '-d', 'id=me'], 'bad key "id"'],
  ])('refuses %j with exit 2 and says why', async (flags, message) => {
    const run = await drover(['token', 'generate', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });
});

describe('drover token create --append', () => {
  it('adds the entry to a JSON tokens file the coordinator accepts, keeping its mode', async () => {
    const path = join(cwd, 'tokens.json');
    const existing = {
      version: 2,
      principals: [{ name: 'root', sha256: hashToken('r'), admin: true }],
    };
    writeFileSync(path, JSON.stringify(existing), { mode: 0o600 });
    const run = await drover([
      'token',
      'generate',
      '--name',
      'ci',
      '--role',
      '*=view',
      '--append',
      path,
    ]);
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    expect(run.stderr).toContain(`added principal ci to ${path}`);
    const checked = checkAuthConfig(JSON.parse(readFileSync(path, 'utf8')));
    expect(checked.ok && checked.config.principals.map((p) => [p.name, p.sha256])).toEqual([
      ['root', [hashToken('r')]],
      ['ci', [hashToken(token)]],
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the comments of a YAML tokens file and creates the section it lacks', async () => {
    const path = join(cwd, 'auth.yaml');
    writeFileSync(
      path,
      `# who may do what\nversion: 2\nprincipals:\n  - name: root # the operator\n    sha256: ${hashToken('r')}\n    admin: true\n`,
    );
    const run = await drover(['token', 'generate', '--bot', '--name', 'fleet', '--append', path]);
    expect(run.code).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# who may do what');
    expect(text).toContain('# the operator');
    const checked = checkAuthConfig(parseYaml(text));
    expect(checked.ok && checked.config.botGroups.map((g) => g.sha256)).toEqual([
      [hashToken(run.stdout.trim())],
    ]);
  });

  it('upgrades a version 1 file to version 2 with the same meaning', async () => {
    const path = join(cwd, 'tokens.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        clients: [{ name: 'dev', sha256: hashToken('d') }],
        bots: [{ name: 'local', sha256: hashToken('b') }],
      }),
    );
    const run = await drover([
      'token',
      'generate',
      '--name',
      'ci',
      '--role',
      'ci=submit',
      '--append',
      path,
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('upgraded to version 2');
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(file).toEqual({
      version: 2,
      principals: [
        { name: 'dev', sha256: hashToken('d'), roles: { '*': ['view', 'submit', 'cancel'] } },
        { name: 'ci', sha256: hashToken(run.stdout.trim()), roles: { ci: ['submit'] } },
      ],
      botGroups: [{ name: 'local', sha256: hashToken('b') }],
    });
  });

  it('leaves the file untouched and exits 2 when the file is invalid or the name is taken', async () => {
    const path = join(cwd, 'tokens.json');
    const bad = JSON.stringify({ version: 2, principals: [{ name: 'x', sha256: 'nothex' }] });
    writeFileSync(path, bad);
    const invalid = await drover(['token', 'generate', '--name', 'y', '--admin', '--append', path]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('principals[0].sha256');
    expect(readFileSync(path, 'utf8')).toBe(bad);

    const good = JSON.stringify({
      version: 2,
      principals: [{ name: 'x', sha256: hashToken('x'), admin: true }],
    });
    writeFileSync(path, good);
    const taken = await drover(['token', 'generate', '--name', 'x', '--admin', '--append', path]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('principal x is also principals[0]');
    expect(readFileSync(path, 'utf8')).toBe(good);

    const missing = await drover([
      'token',
      'generate',
      '--name',
      'y',
      '--admin',
      '--append',
      join(cwd, 'none.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});

const COORDINATOR = fileURLToPath(
  new URL('../../coordinator/bin/drover-coordinator.js', import.meta.url),
);

/** The real coordinator process on loopback with `tokensFile`; resolves with its address. */
async function startCoordinator(tokensFile: string) {
  const child = spawn(
    process.execPath,
    [
      COORDINATOR,
      ...['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'],
      ...['--data-dir', join(cwd, 'data'), '--tokens-file', tokensFile],
    ],
    { env: { ...process.env, DROVER_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (rec['msg'] === 'coordinator ready') resolve(String(rec['grpc']));
    });
    child.once('exit', (code) => reject(new Error(`the coordinator exited with ${code}`)));
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { address, stop };
}

describe('a token made by drover token generate', () => {
  it('is accepted by a real coordinator with exactly the roles it was given', async () => {
    const path = join(cwd, 'tokens.yaml');
    writeFileSync(path, 'version: 2\n');
    const made = await drover([
      ...['token', 'generate', '--name', 'ci', '--role', 'ci=submit,view', '--append', path],
    ]);
    expect(made.code).toBe(0);
    const coordinator = await startCoordinator(path);
    try {
      const env = { DROVER_SERVER: coordinator.address, DROVER_TOKEN: made.stdout.trim() };
      const listed = await drover(['tasks', '--json'], env);
      expect(listed.code).toBe(0);
      const submit = (pool: string) => drover(['submit', '-d', `pool=${pool}`, '--', 'true'], env);
      expect((await submit('ci')).code).toBe(0);
      const elsewhere = await submit('gpu');
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain('may not submit to pool gpu');
      const stranger = await drover(['tasks'], { ...env, DROVER_TOKEN: 'drv_c_unknown' });
      expect(stranger.code).toBe(1);
      expect(stranger.stderr).toContain('did not accept the call');
    } finally {
      await coordinator.stop();
    }
  });
});
