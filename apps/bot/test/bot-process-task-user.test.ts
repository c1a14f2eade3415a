import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBotProcesses } from './bot-process-harness';
import { sh } from './helpers';

/**
 * A real drover-bot run as root with --task-user nobody: the payload, as that user,
 * tries to get at the bot's token every way it could — the bot's environ and command line, the
 * token file, the bot dir — and to write outside its own dirs. And, as any user: a relative_cwd
 * or a cache path through a symlink that leads outside ends the task CLIENT_ERROR with nothing
 * made outside.
 */

const h = useBotProcesses();
const TOKEN = 'sekrit-4f2a9c-token';

/** The harness's temp root is 0700: the task user must be let through it to its work dir. */
function prepare(): { botDir: string } {
  chmodSync(h.root, 0o711);
  writeFileSync(h.tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  return { botDir: path.join(h.root, 'bot') };
}

describe('payloads as the task user', () => {
  it('cannot read the token from the bot, its token file or its dir, nor write outside their own dirs', async () => {
    const { botDir } = prepare();
    const outside = path.join(h.root, 'outside');
    mkdirSync(outside, { mode: 0o777 });
    chmodSync(outside, 0o755);
    const bot = h.start(h.args('--dir', botDir, '--task-user', 'nobody'));
    const stream = await h.coordinator.stream(0, 15_000);
    const hello = await stream.take('hello');
    expect(hello.dimensions.find((d) => d.key === 'task_user')?.value).toEqual(['separate']);
    stream.welcome();
    stream.autoAck();
    const attempt = (what: string, cmd: string) =>
      `if ${cmd} >/dev/null 2>&1; then echo "${what}: yes"; else echo "${what}: no"; fi`;
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        manifest: sh(
          [
            // The bot: the payload's parent, or its parent's parent when its fork server forked it.
            `bot=$PPID; [ "$(cat /proc/$bot/comm)" = drover-spawn ] && bot=$(cut -d' ' -f4 /proc/$bot/stat)`,
            'echo "uid $(id -u)"',
            `cat /proc/$bot/environ /proc/$bot/cmdline ${h.tokenFile} 2>/dev/null | tr '\\0' ' '; echo`,
            `grep -rs ${TOKEN} ${botDir} ${h.root} 2>/dev/null; echo grep-done`,
            attempt('read environ', `cat /proc/$bot/environ`),
            attempt('read token file', `cat ${h.tokenFile}`),
            attempt('list bot dir', `ls ${botDir}`),
            attempt('write bot dir', `touch ${botDir}/x`),
            attempt('write caches', `touch ${botDir}/caches/x`),
            attempt('write outside', `touch ${outside}/x`),
            attempt('signal the bot', `kill -0 $bot`),
            attempt('signal its parent', `kill -0 $PPID`),
            attempt('write work dir', 'touch "$PWD/x"'),
            attempt('write TMPDIR', 'touch "$TMPDIR/x"'),
            attempt('write HOME', 'touch "$HOME/y"'),
            attempt('write DROVER_OUTDIR', 'touch "$DROVER_OUTDIR/x"'),
            'echo end',
          ].join('\n'),
        ),
      },
    });
    const output = (await stream.outputUntil('t1', 'end', 15_000)).map((p) => p.data).join('');
    expect(output).not.toContain(TOKEN);
    expect(output).toContain('uid 65534');
    for (const denied of [
      'read environ',
      'read token file',
      'list bot dir',
      'write bot dir',
      'write caches',
      'write outside',
      'signal the bot',
      'signal its parent',
    ])
      expect(output).toContain(`${denied}: no`);
    for (const allowed of ['write work dir', 'write TMPDIR', 'write HOME', 'write DROVER_OUTDIR'])
      expect(output).toContain(`${allowed}: yes`);
    expect(await stream.take('task_finished', 15_000)).toMatchObject({ exit_code: 0 });
    expect(existsSync(path.join(outside, 'x'))).toBe(false);
    bot.run.kill('SIGTERM');
    await bot.run;
  });

  it('a bot that cannot switch users runs payloads as its own and says task_user=shared', async () => {
    // Without --task-user a root bot runs payloads as root, and warns.
    const bot = h.start(h.args());
    const stream = await h.coordinator.stream(0, 15_000);
    const hello = await stream.take('hello');
    expect(hello.dimensions.find((d) => d.key === 'task_user')?.value).toEqual(['shared']);
    await bot.logged(
      'payloads run as root, like the bot: they can read its token; give --task-user',
    );
    bot.run.kill('SIGTERM');
    await bot.run;
  });

  it('exits 2 naming a task user that does not exist', async () => {
    const r = await h.start(h.args('--task-user', 'no-such-user-drover')).run;
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/--task-user: .*no user 'no-such-user-drover'/);
  });
});

describe('paths on the real file system', () => {
  it('ends CLIENT_ERROR for a relative_cwd or cache path through a symlink leading outside, making nothing there', async () => {
    const botDir = path.join(h.root, 'bot');
    const outside = path.join(h.root, 'outside');
    mkdirSync(outside);
    const bot = h.start(h.args('--dir', botDir));
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.autoAck();
    // A first task leaves a symlink to `outside` in a named cache, as a hostile payload would.
    stream.send({
      assign: {
        task_id: 't1',
        lease_id: 'l1',
        manifest: sh(`ln -s ${outside} cache/evil; echo planted`, {
          caches: [{ name: 'shared', path: 'cache' }],
        }),
      },
    });
    expect(await stream.take('task_finished', 15_000)).toMatchObject({ exit_code: 0 });
    stream.send({ ack: { task_id: 't1', lease_id: 'l1', output_offset: 8, finished: true } });
    // The next task of the cache asks for a cwd through it.
    stream.send({
      assign: {
        task_id: 't2',
        lease_id: 'l2',
        manifest: sh('echo ran', {
          caches: [{ name: 'shared', path: 'cache' }],
          relative_cwd: 'cache/evil/made-by-drover',
        }),
      },
    });
    const second = await stream.take('task_finished', 15_000);
    expect(second.client_error).toMatch(
      /relative_cwd: 'cache\/evil\/made-by-drover' leads outside/,
    );
    stream.send({ ack: { task_id: 't2', lease_id: 'l2', output_offset: 0, finished: true } });
    // A second cache mounted through the planted symlink.
    stream.send({
      assign: {
        task_id: 't3',
        lease_id: 'l3',
        manifest: sh('echo ran', {
          caches: [
            { name: 'shared', path: 'cache' },
            { name: 'other', path: 'cache/evil/inner' },
          ],
        }),
      },
    });
    const third = await stream.take('task_finished', 15_000);
    expect(third.client_error).toMatch(/cache/);
    expect(third.client_error).toMatch(/outside/);
    expect(readdirSync(outside)).toEqual([]);
    bot.run.kill('SIGTERM');
    await bot.run;
  });
});
