import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTaskCli, taskCliSource } from '../src/task-cli';
import { buildTaskEnv, type TaskEnvInput } from '../src/task-env';
import { tempDir } from './helpers';

/** `<bot dir>/bin/drover` as the bot makes it, and how it reaches a task's environment. */

let root = '';
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const input = (over: Partial<TaskEnvInput> = {}): TaskEnvInput => ({
  baseEnv: { PATH: '/usr/bin:/bin', HOME: '/root' },
  env: [],
  secretEnv: [],
  envPrefixes: [],
  workDir: '/b/w/t1',
  taskId: 't1',
  botId: 'b',
  server: 'c:1',
  ...over,
});

const env = (over: Partial<TaskEnvInput> = {}): Record<string, string> => {
  const r = buildTaskEnv(input(over));
  if (!r.ok) throw new Error(r.clientError);
  return r.value;
};

describe('the task environment', () => {
  it("puts drover's dir first on PATH, before the task's env_prefixes and the base PATH", () => {
    const e = env({
      droverCli: '/b/bin/drover',
      envPrefixes: [{ key: 'PATH', value: ['tools', 'more'] }],
    });
    expect(e.DROVER_CLI).toBe('/b/bin/drover');
    expect(e.PATH).toBe('/b/bin:/b/w/t1/tools:/b/w/t1/more:/usr/bin:/bin');
  });

  it("is the bot's word: the manifest's or the base env's DROVER_CLI gives way, or goes", () => {
    const base = { PATH: '/bin', DROVER_CLI: '/elsewhere/drover' };
    const manifestEnv = [{ key: 'DROVER_CLI', value: '/mine/drover' }];
    expect(env({ baseEnv: base, env: manifestEnv, droverCli: '/b/bin/drover' }).DROVER_CLI).toBe(
      '/b/bin/drover',
    );
    const none = env({ baseEnv: base, env: manifestEnv });
    expect(none.DROVER_CLI).toBeUndefined();
    expect(none.PATH).toBe('/bin');
  });

  it('leaves an unset PATH unset (execvp keeps its default), DROVER_CLI still set', () => {
    const e = env({ env: [{ key: 'PATH', value: '' }], droverCli: '/b/bin/drover' });
    expect(e.PATH).toBeUndefined();
    expect(e.DROVER_CLI).toBe('/b/bin/drover');
  });
});

describe('<bot dir>/bin/drover', () => {
  it('from a checkout: a 0755 script in a 0755 dir running its CLI with the arguments', async () => {
    const source = taskCliSource();
    expect(source).toEqual({
      kind: 'script',
      node: process.execPath,
      cliBin: fileURLToPath(new URL('../../cli/bin/drover.js', import.meta.url)),
    });
    // A stand-in for the CLI, at a path a shell must quote, prints its arguments.
    const fake = path.join(root, "it's here", 'drover.js');
    mkdirSync(path.dirname(fake));
    writeFileSync(fake, 'console.log(JSON.stringify(process.argv.slice(2)));\n');
    const botDir = path.join(root, 'bot');
    const file = await installTaskCli(botDir, {
      kind: 'script',
      node: process.execPath,
      cliBin: fake,
    });
    expect(file).toBe(path.join(botDir, 'bin', 'drover'));
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o755);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    const out = execFileSync(file, ['a b', '$HOME', "c'd"], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['a b', '$HOME', "c'd"]);
  });

  it('from a release: a symlink to the executable; a second start replaces what is there', async () => {
    const botDir = path.join(root, 'bot');
    mkdirSync(path.join(botDir, 'bin'), { recursive: true, mode: 0o700 });
    chmodSync(path.join(botDir, 'bin'), 0o700);
    writeFileSync(path.join(botDir, 'bin', 'drover'), 'old\n');
    const file = await installTaskCli(botDir, { kind: 'executable', target: '/opt/drover-bot' });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(readlinkSync(file)).toBe('/opt/drover-bot');
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o755);
    await installTaskCli(botDir, { kind: 'script', node: '/n', cliBin: '/c.js' });
    expect(readFileSync(file, 'utf8')).toContain("exec '/n' '/c.js' \"$@\"");
    // Nothing left of the temporary names.
    expect(readdirSync(path.dirname(file))).toEqual(['drover']);
  });

  it('bundled bot code (no checkout around it) has none', () => {
    expect(taskCliSource('file:///opt/bot/versions/0.1.0+abc/drover-bot.js')).toBeUndefined();
  });
});
