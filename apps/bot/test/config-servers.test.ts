import { describe, expect, it } from 'vitest';
import { compileBotConfig } from '../src/index';
import { useBotProcesses } from './bot-process-harness';
import { within } from './helpers';

/** `--server` / DROVER_SERVER / the config file's `server` as a list of coordinators. */

const files: Record<string, string> = {
  '/etc/drover/list.yaml': 'server: [a:7070, "b.example:7071"]\n',
  '/etc/drover/comma.yaml': 'server: a:1, b:2\n',
  '/etc/drover/bad-list.yaml': 'server: [a:1, b]\n',
  '/etc/drover/not-list.yaml': 'server: { a: 1 }\n',
};
const host = {
  hostname: 'host-1',
  cwd: '/srv',
  readFile: (p: string): Buffer => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`no ${p}`), { code: 'ENOENT' });
    return Buffer.from(text);
  },
};

function server(argv: string[], env: Record<string, string> = {}): string {
  const outcome = compileBotConfig(argv, env, host);
  if (outcome.kind !== 'config') throw new Error(JSON.stringify(outcome));
  return outcome.config.server;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  const outcome = compileBotConfig(argv, env, host);
  if (outcome.kind !== 'usage-error') throw new Error(JSON.stringify(outcome));
  return outcome.message;
}

describe('compileBotConfig: a list of servers', () => {
  it('takes a comma-separated --server, trimming spaces', () => {
    expect(server(['--server', 'a:1, b.example:2,[::1]:3'])).toBe('a:1,b.example:2,[::1]:3');
  });

  it('takes a comma-separated DROVER_SERVER', () => {
    expect(server([], { DROVER_SERVER: 'a:1,b:2' })).toBe('a:1,b:2');
  });

  it("takes the config file's server as a YAML list or a comma-separated string", () => {
    expect(server(['--config', '/etc/drover/list.yaml'])).toBe('a:7070,b.example:7071');
    expect(server(['--config', '/etc/drover/comma.yaml'])).toBe('a:1,b:2');
  });

  it('lets the variable and the flag win over the file, as for every option', () => {
    expect(server(['--config', '/etc/drover/list.yaml'], { DROVER_SERVER: 'e:1' })).toBe('e:1');
    expect(
      server(['--config', '/etc/drover/list.yaml', '--server', 'f:1'], { DROVER_SERVER: 'e:1' }),
    ).toBe('f:1');
  });

  it.each([
    ['a port-less entry', ['--server', 'a:1,b'], {}, "--server: expected host:port, got 'b'"],
    ['an empty entry', ['--server', 'a:1,,b:2'], {}, "--server: expected host:port, got ''"],
    ['a port out of range', ['--server', 'a:70000'], {}, "got 'a:70000'"],
    [
      'a bad variable',
      [],
      { DROVER_SERVER: 'a:1,b c:2' },
      "DROVER_SERVER: expected host:port, got 'b c:2'",
    ],
    [
      'a bad file entry',
      ['--config', '/etc/drover/bad-list.yaml'],
      {},
      "/etc/drover/bad-list.yaml: server: expected host:port, got 'b'",
    ],
    [
      'a mapping in the file',
      ['--config', '/etc/drover/not-list.yaml'],
      {},
      'server: expected a string or a list of strings, got a mapping',
    ],
  ])('refuses %s, naming it', (_what, argv, env: Record<string, string>, message) => {
    expect(usageError(argv, env)).toContain(message);
  });
});

describe('drover-bot with a bad server list', () => {
  const h = useBotProcesses();

  it('exits 2 naming the bad entry', async () => {
    const r = await within(
      'bot exit',
      h.start(['--server', `${h.coordinator.address},nope`, '--data-dir', h.root]).run,
      15_000,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--server: expected host:port, got 'nope'");
  });

  it('exits 2 given --token, saying a command line is readable by every user', async () => {
    const r = await within(
      'bot exit',
      h.start(['--server', h.coordinator.address, '--token', 'tok', '--data-dir', h.root]).run,
      15_000,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /--token: a command line is readable by every user of the machine \(ps\)/,
    );
    expect(r.stderr).toMatch(/--token-file/);
    expect(h.coordinator.streams).toHaveLength(0);
  });
});
