import {
  packBotCode,
  sha256Hex,
  unpackBotCode,
  botCodeVersion,
  type BotsClient,
  type TaskOutputOut,
  type TaskResultOut,
  type TasksClient,
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
} from '@drover/protocol';
import * as grpc from '@grpc/grpc-js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';

/**
 * Bot self-update end to end: a real coordinator serving bot code V2, a bot installed with
 * `drover-bot install --bot-code` from an older pack V1 and run the way systemd would (the unit's
 * ExecStart: the launcher), real tasks. The bot code is built once for the file (esbuild, cached
 * by source hash); V1 and a broken version are that build with a line changed, so their hashes —
 * and versions — differ.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = join(REPO, 'apps/bot/bin/build-bot-code.js');
const DROVER_BOT = join(REPO, 'apps/bot/bin/drover-bot.js');
const BOT = 'upd-bot';

/** What this test reads of GetBot's BotInfo. */
interface BotInfoOut {
  readonly connected: boolean;
  readonly version: string;
}

interface Pack {
  readonly file: string;
  readonly version: string;
}

let packs: {
  readonly v1: Pack;
  readonly v2: Pack;
  readonly broken: Pack;
  readonly silent: Pack;
  readonly v2Dir: string;
};
let packDir: ReturnType<typeof tempDir>;

/** The V2 build with drover-bot.js changed by `patch`, packed to `name`. */
function variant(v2Pack: Buffer, name: string, patch: (js: string) => string): Pack {
  const unpacked = unpackBotCode(v2Pack);
  if (!unpacked.ok) throw new Error(unpacked.reason);
  const files = unpacked.files.map((f) =>
    f.path === 'drover-bot.js' ? { ...f, data: Buffer.from(patch(f.data.toString('utf8'))) } : f,
  );
  const pack = packBotCode({ packageVersion: unpacked.packageVersion, files });
  const file = join(packDir.path, `${name}.pack`);
  writeFileSync(file, pack);
  return { file, version: botCodeVersion(unpacked.packageVersion, sha256Hex(pack)) };
}

beforeAll(async () => {
  packDir = tempDir('drover-bot-code-');
  const { stdout } = await promisify(execFile)(process.execPath, [
    BUILD,
    '--out',
    join(REPO, 'node_modules/.cache/drover-bot-code'),
  ]);
  const built = JSON.parse(stdout.trim().split('\n').at(-1)!) as { dir: string; version: string };
  const v2Pack = readFileSync(join(built.dir, 'bot-code.pack'));
  packs = {
    v2: { file: join(built.dir, 'bot-code.pack'), version: built.version },
    v2Dir: built.dir,
    v1: variant(v2Pack, 'v1', (js) => `${js}\n// an older drover-bot\n`),
    // Exits before it ever connects.
    broken: variant(v2Pack, 'broken', (js) => `process.exit(9);\n${js}`),
    // Runs, but never connects.
    silent: variant(
      v2Pack,
      'silent',
      (js) => `await new Promise(() => setInterval(() => {}, 1e6));\n${js}`,
    ),
  };
}, 120_000);

afterAll(() => packDir.remove());

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator | undefined;
let tasks: TasksClient | undefined;
let bots: BotsClient | undefined;
let launcher: ChildProcess | undefined;
let stderr = '';

afterEach(async () => {
  await stopLauncher();
  tasks?.close();
  bots?.close();
  await coord?.close();
  coord = undefined;
  dir.remove();
});

async function stopLauncher(): Promise<void> {
  const child = launcher;
  launcher = undefined;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM'); // passed on to the bot, which is idle: it leaves at once
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A coordinator serving `botCode` (undefined: built from this checkout when a bot needs it), and
 * a bot installed from `installed`, started by its unit (after `beforeBot`, if given).
 */
async function start(
  botCode: string | undefined,
  installed: Pack,
  env: NodeJS.ProcessEnv = {},
  beforeBot?: () => Promise<unknown>,
) {
  dir = tempDir('drover-bot-update-');
  coord = await startTestCoordinator(
    join(dir.path, 'coord'),
    botCode === undefined ? {} : { botCode },
  );
  tasks = tasksStub(coord.grpcAddress);
  const proto = loadDroverProto().drover.v1;
  bots = new proto.Bots(
    coord.grpcAddress,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as BotsClient;
  const workDir = join(dir.path, 'bot');
  const { stdout } = await promisify(execFile)(process.execPath, [
    DROVER_BOT,
    'install',
    ...['--server', coord.grpcAddress, '--id', BOT, '--pool', 'default'],
    ...['--token-file', join(dir.path, 'coord', 'bot.token'), '--bot-code', installed.file],
    ...['--dir', workDir, '--config-dir', join(dir.path, 'etc'), '--unit-dir', dir.path],
    // Payloads as root: a task user would be a real system user (useradd), not the test's to make.
    '--no-task-user',
  ]);
  expect(stdout).toContain(`==> installed bot code ${installed.version} (`);
  const unit = readFileSync(join(dir.path, 'drover-bot.service'), 'utf8');
  const [node, ...args] = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
  await beforeBot?.();
  stderr = '';
  launcher = spawn(node!, args, {
    cwd: workDir,
    env: { ...process.env, DROVER_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: afterEach can kill the launcher and the bot at once
  });
  launcher.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return { workDir };
}

/** Resolves once `check` holds; polls at 20 ms until the deadline, then fails saying what. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n--- bot and launcher log ---\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const clientToken = () => readToken(join(dir.path, 'coord'), 'client');

const getBot = () =>
  call<BotInfoOut>((md, cb) => bots!.GetBot({ bot_id: BOT }, md, cb), bearer(clientToken())).catch(
    () => undefined,
  );

/** The bot as the coordinator sees it, once it is connected running `version`. */
const connectedAs = (version: string) =>
  until(`${BOT} connected running ${version}`, async () => {
    const bot = await getBot();
    return bot?.connected === true && bot.version === version ? bot : undefined;
  });

const logged = (msg: string) =>
  until(`log "${msg}"`, () => Promise.resolve(stderr.includes(`"msg":"${msg}"`) || undefined));

/** `waitForCapacity`: the task waits for a bot even while none that matches is known. */
async function submit(script: string, waitForCapacity = false): Promise<string> {
  const created = await call<{ task_id: string }>(
    (md, cb) =>
      tasks!.NewTask(
        {
          name: 'after-update',
          task_slices: [
            {
              properties: {
                command: ['sh', '-c', script],
                dimensions: [
                  { key: 'pool', value: 'default' },
                  { key: 'id', value: BOT },
                ],
              },
              wait_for_capacity: waitForCapacity,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(clientToken()),
  );
  return created.task_id;
}

const result = (taskId: string) =>
  call<TaskResultOut>(
    (md, cb) => tasks!.GetResult({ task_id: taskId }, md, cb),
    bearer(clientToken()),
  );

const inState = (taskId: string, state: string) =>
  until(`task ${taskId} ${state}`, async () => {
    const r = await result(taskId);
    return r.state === state ? r : undefined;
  });

const output = async (taskId: string) =>
  (
    await call<TaskOutputOut>(
      (md, cb) => tasks!.GetStdout({ task_id: taskId }, md, cb),
      bearer(clientToken()),
    )
  ).output.toString();

describe('bot self-update', () => {
  it('an idle bot running V1 is told to update, swaps in V2, restarts as V2 and runs a task', async () => {
    // No --bot-code: the coordinator builds V2 from this checkout once V1 connects, into its own
    // data dir — the same bytes as the build above, so the same version.
    const { workDir } = await start(undefined, packs.v1);
    await connectedAs(packs.v2.version);
    expect(existsSync(join(dir.path, 'coord', 'bot-code'))).toBe(true);

    expect(readlinkSync(join(workDir, 'current'))).toBe(join('versions', packs.v2.version));
    expect(readlinkSync(join(workDir, 'previous'))).toBe(join('versions', packs.v1.version));
    // It did run V1 first, and left it only to restart into V2.
    expect(stderr).toContain(`"version":"${packs.v1.version}","msg":"bot ready"`);
    expect(stderr).toContain('"msg":"the bot updated itself; starting the new version"');
    // The launcher heard from V2 that it connected: V2 is kept from now on.
    await logged('new bot code connected; keeping it');

    const taskId = await submit('echo "running on $DROVER_BOT_ID"; exit 0');
    const done = await inState(taskId, 'COMPLETED');
    expect(done.exit_code).toBe(0);
    expect(await output(taskId)).toBe(`running on ${BOT}\n`);
    // The code carries the bot's fork server, which forked the payload (not the bot itself).
    expect(stderr).toMatch(/"from":"bundled".*"msg":"a fork server forks the payloads"/);
  }, 60_000);

  it('a busy bot finishes its task first, then updates', async () => {
    const { workDir } = await start(packs.v1.file, packs.v1);
    await connectedAs(packs.v1.version);
    const go = join(dir.path, 'go');
    const taskId = await submit(`echo begin; while [ ! -e ${go} ]; do sleep 0.05; done; echo end`);
    await inState(taskId, 'RUNNING');

    // The coordinator serves V2 from now on, while the bot holds its task.
    coord!.botCode.use(packs.v2Dir);
    writeFileSync(go, '');
    const done = await inState(taskId, 'COMPLETED');
    expect(done.exit_code).toBe(0);
    expect(await output(taskId)).toBe('begin\nend\n');

    await connectedAs(packs.v2.version);
    expect(readlinkSync(join(workDir, 'current'))).toBe(join('versions', packs.v2.version));
    // The task was done and acknowledged before the bot fetched anything.
    const forgotten = stderr.indexOf('"msg":"task forgotten"');
    expect(forgotten).toBeGreaterThan(-1);
    expect(stderr.indexOf('"msg":"bot code fetched"')).toBeGreaterThan(forgotten);
  }, 60_000);

  it('an Update that arrives with a task waits for the task and its clean-up, then switches', async () => {
    // Queued before the bot first connects: at Hello the coordinator sends the Update, then the
    // task (bot-session.ts #hello), so V1 fetches V2 while it runs the task.
    const lines = Array.from({ length: 500 }, (_, i) => `${i + 1}\n`).join('');
    let go = '';
    let taskId = '';
    const { workDir } = await start(packs.v2.file, packs.v1, {}, async () => {
      go = join(dir.path, 'go');
      // Many files in the work dir, made before the wait: removing them after the task takes
      // long enough that the task's Ack reaches the bot first. The session is then idle only
      // once the clean-up is over, and that moment alone can wake the waiting update.
      taskId = await submit(
        'echo begin; mkdir many && (cd many && seq 1 20000 | xargs touch) || exit 3; ' +
          `while [ ! -e ${go} ]; do sleep 0.05; done; seq 1 500; echo end`,
        true,
      );
    });
    await logged('update waits for the running task to end');
    // V1 took the task, and it is still running: the update really waits for it.
    expect(stderr).toContain(`"version":"${packs.v1.version}","msg":"bot ready"`);
    expect((await result(taskId)).state).toBe('RUNNING');
    expect(stderr).not.toContain('"msg":"switched to the new bot code; restarting"');

    writeFileSync(go, '');
    const done = await inState(taskId, 'COMPLETED');
    expect(done.exit_code).toBe(0);
    expect(await output(taskId)).toBe(`begin\n${lines}end\n`);

    await connectedAs(packs.v2.version);
    expect(readlinkSync(join(workDir, 'current'))).toBe(join('versions', packs.v2.version));
    expect(readlinkSync(join(workDir, 'previous'))).toBe(join('versions', packs.v1.version));
    // Fetched while the task ran; switched only after the task was done and acknowledged.
    const fetched = stderr.indexOf('"msg":"bot code fetched"');
    const waits = stderr.indexOf('"msg":"update waits for the running task to end"');
    const forgotten = stderr.indexOf('"msg":"task forgotten"');
    const switched = stderr.indexOf('"msg":"switched to the new bot code; restarting"');
    expect(fetched).toBeGreaterThan(-1);
    expect(waits).toBeGreaterThan(fetched);
    expect(forgotten).toBeGreaterThan(waits);
    expect(switched).toBeGreaterThan(forgotten);
    await logged('new bot code connected; keeping it');

    const next = await submit('echo "running on $DROVER_BOT_ID"; exit 0');
    expect((await inState(next, 'COMPLETED')).exit_code).toBe(0);
    expect(await output(next)).toBe(`running on ${BOT}\n`);
  }, 60_000);

  it('falls back to the previous version when the new one fails to connect, and does not retry it', async () => {
    const { workDir } = await start(packs.broken.file, packs.v1, {
      DROVER_LAUNCHER_READY_TIMEOUT: '20',
    });
    await logged('new bot code failed; falling back');
    // V1 is back: connected again, asked again, and it declines the version that failed.
    await logged('update declined: that version failed to connect lately');
    await connectedAs(packs.v1.version);

    expect(readlinkSync(join(workDir, 'current'))).toBe(join('versions', packs.v1.version));
    const bad = JSON.parse(readFileSync(join(workDir, 'bad-versions.json'), 'utf8')) as Record<
      string,
      { reason: string }
    >;
    expect(Object.keys(bad)).toEqual([packs.broken.version]);
    expect(bad[packs.broken.version]!.reason).toBe('exited with 9 before it connected');
    expect(existsSync(join(workDir, 'versions', packs.broken.version))).toBe(true);

    // Declining leaves the bot taking tasks.
    const taskId = await submit('echo still here');
    expect((await inState(taskId, 'COMPLETED')).exit_code).toBe(0);
    expect(await output(taskId)).toBe('still here\n');
  }, 60_000);

  it('falls back when the new version does not connect within the launcher deadline', async () => {
    const { workDir } = await start(packs.silent.file, packs.v1, {
      DROVER_LAUNCHER_READY_TIMEOUT: '1',
    });
    await logged('new bot code did not connect in time; stopping it');
    await logged('update declined: that version failed to connect lately');
    await connectedAs(packs.v1.version);
    expect(readlinkSync(join(workDir, 'current'))).toBe(join('versions', packs.v1.version));
    const bad = JSON.parse(readFileSync(join(workDir, 'bad-versions.json'), 'utf8')) as Record<
      string,
      { reason: string }
    >;
    expect(bad[packs.silent.version]?.reason).toBe('did not connect within 1000 ms');
  }, 60_000);
});
