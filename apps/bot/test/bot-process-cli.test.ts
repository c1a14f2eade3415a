import { chmodSync, lstatSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildInfo } from '@drover/protocol';
import { describe, expect, it } from 'vitest';
import { useBotProcesses } from './bot-process-harness';
import { sh } from './helpers';

/**
 * A real drover-bot run from this checkout gives every task the drover CLI: DROVER_CLI names
 * `<bot dir>/bin/drover` (a script running this checkout's CLI), whose dir is first on PATH,
 * before the task's own env_prefixes; as the bot's user and as a task user.
 */

const h = useBotProcesses();

/**
 * `drover <version> (commit <this checkout's HEAD>[-dirty])`, as the CLI of this checkout says; or
 * `unknown` for a user git refuses to read the checkout for (owned by another user).
 */
function versionLine(orUnknown = false): RegExp {
  const { version, commit } = buildInfo();
  const hash = `${commit.replace(/-dirty$/, '')}(-dirty)?`;
  return new RegExp(
    `^drover ${version.replaceAll('.', '\\.')} \\(commit (${hash}${orUnknown ? '|unknown' : ''})\\)$`,
  );
}

const SCRIPT = [
  'echo "which: $(command -v drover)"',
  'echo "cli: $DROVER_CLI"',
  'echo "path: $PATH"',
  '"$DROVER_CLI" --version',
  'drover --version',
  'echo end',
].join('\n');

async function runCliTask(botDir: string, extra: string[]): Promise<string> {
  const bot = h.start(h.args('--dir', botDir, ...extra));
  const stream = await h.coordinator.stream(0, 15_000);
  await stream.take('hello');
  stream.welcome();
  stream.autoAck();
  stream.send({
    assign: {
      task_id: 't1',
      lease_id: 'l1',
      manifest: sh(SCRIPT, { env_prefixes: [{ key: 'PATH', value: ['tools'] }] }),
    },
  });
  const output = (await stream.outputUntil('t1', 'end', 30_000)).map((p) => p.data).join('');
  expect(await stream.take('task_finished', 15_000)).toMatchObject({ exit_code: 0 });
  await bot.logged('drover CLI for tasks');
  bot.run.kill('SIGTERM');
  await bot.run;
  return output;
}

function expectCli(output: string, botDir: string, version: RegExp): void {
  const cli = path.join(botDir, 'bin', 'drover');
  expect(output).toContain(`which: ${cli}\n`);
  expect(output).toContain(`cli: ${cli}\n`);
  // drover's dir first, then the task's PATH as it would be otherwise: env_prefixes, the bot's.
  expect(output).toContain(
    `path: ${path.join(botDir, 'bin')}:${path.join(botDir, 'w', 't1', 'tools')}:${process.env.PATH ?? ''}\n`,
  );
  const versions = output.split('\n').filter((l) => version.test(l));
  expect(versions, output).toHaveLength(2);
}

describe('the drover CLI in every task', () => {
  it(
    "DROVER_CLI and PATH give the payload this checkout's drover",
    { timeout: 60_000 },
    async () => {
      const botDir = path.join(h.root, 'bot');
      const output = await runCliTask(botDir, []);
      expectCli(output, botDir, versionLine());
      // The script the bot made: 0755 in a 0755 dir, naming no secret.
      const cli = path.join(botDir, 'bin', 'drover');
      expect(statSync(path.join(botDir, 'bin')).mode & 0o777).toBe(0o755);
      expect(lstatSync(cli).mode & 0o777).toBe(0o755);
      const script = readFileSync(cli, 'utf8');
      expect(script).toMatch(/^#!\/bin\/sh\n/);
      expect(script).toContain('apps/cli/bin/drover.js');
      expect(script).not.toContain('tok');
    },
  );

  it.skipIf(process.getuid?.() !== 0)('a task user runs it too', { timeout: 60_000 }, async () => {
    // The harness's temp root is 0700: the task user must be let through it to its work dir.
    chmodSync(h.root, 0o711);
    const botDir = path.join(h.root, 'bot');
    const output = await runCliTask(botDir, ['--task-user', 'nobody']);
    expectCli(output, botDir, versionLine(true));
  });
});
