// Files: whatever the umask, a coordinator's fresh data dir is 0700 and its database, tokens and
// webhook secret 0600, and so is a bot's dir; an existing data dir other users may read is kept
// as it is but warned about at start (real processes, umask 000 inherited from this one).
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './faults/child-processes';
import { tempDir } from './harness';

const modeOf = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`;

let root: ReturnType<typeof tempDir>;
let savedUmask: number;
const running: Array<CoordinatorChild | LoggedProcess> = [];

beforeAll(() => {
  root = tempDir('drover-private-modes-');
  savedUmask = process.umask(0o000);
});

afterEach(async () => {
  for (const p of running.splice(0)) {
    if ('proc' in p) await p.proc.stop();
    else await p.kill9();
  }
});

afterAll(() => {
  process.umask(savedUmask);
  root?.remove();
});

describe('the coordinator and bot files under umask 000', () => {
  it('makes a fresh data dir 0700 and the database, token and secret files 0600', async () => {
    const dataDir = join(root.path, 'fresh', 'data');
    const coord = await startCoordinatorChild({ dataDir });
    running.push(coord);
    const bot = await startBot({ server: coord.grpcAddress, dataDir, botId: 'modes-bot' });
    running.push(bot);

    expect(modeOf(dataDir)).toBe('0700');
    const files = readdirSync(dataDir);
    for (const name of ['drover.sqlite', 'tokens.json', 'client.token', 'bot.token']) {
      expect(files).toContain(name);
    }
    const secrets = files.filter((f) => /^drover\.sqlite|token|secret/.test(f));
    for (const name of secrets) expect([name, modeOf(join(dataDir, name))]).toEqual([name, '0600']);
    expect(secrets).toContain('drover.sqlite-wal');
    expect(modeOf(join(dataDir, 'bots', 'modes-bot'))).toBe('0700');
  });

  it('warns at start about an existing data dir other users may read, and leaves it so', async () => {
    const dataDir = join(root.path, 'shared');
    mkdirSync(dataDir, { mode: 0o755 });
    const coord = await startCoordinatorChild({ dataDir });
    running.push(coord);
    // Logged before "coordinator ready", so it is among the last lines.
    expect(coord.proc.tail()).toContain('other users may read this coordinator path');
    const line = coord.proc
      .tail()
      .split('\n')
      .find((l) => l.includes('other users may read this coordinator path'));
    expect(JSON.parse(line!)).toMatchObject({
      path: dataDir,
      kind: 'dir',
      mode: '0755',
      wanted: '0700',
    });
    expect(modeOf(dataDir)).toBe('0755');
    expect(modeOf(join(dataDir, 'drover.sqlite'))).toBe('0600');
  });
});
