import type { Logger } from 'pino';
import type { BotConfig, Dimensions } from '../config';
import type { RunContainment } from '../runner';
import {
  prepareBotDirForTaskUser,
  readableBy,
  resolveTaskUser,
  userSwitching,
  type TaskUser,
} from '../task-user';
import { ForkServer } from './fork-server';
import { forkServerBinary } from './fork-server-binary';
import { BotCgroups } from './task-cgroups';

/**
 * The bot's start-up choices about containment, each said once in the log: a cgroup per task or
 * the process group and sweep (--containment), payloads as another user or as the bot's own
 * (--task-user), and the dimensions that let a task require either.
 */

export type ContainmentSetup =
  | { readonly ok: true; readonly containment: RunContainment }
  | { readonly ok: false; readonly message: string };

export function setUpContainment(
  config: Pick<BotConfig, 'containment' | 'botId' | 'botDir'>,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ContainmentSetup {
  if (config.containment === 'pgroup') {
    log.info({ containment: 'pgroup' }, 'tasks run in process groups (--containment pgroup)');
    return { ok: true, containment: { kind: 'pgroup' } };
  }
  const setup = BotCgroups.setup({
    botId: config.botId,
    botDir: config.botDir,
    env,
  });
  if (setup.ok) {
    log.info({ containment: 'cgroup', ...setup.cgroups.describe() }, 'a cgroup v2 per task');
    return { ok: true, containment: { kind: 'cgroup', cgroups: setup.cgroups } };
  }
  if (config.containment === 'cgroup')
    return { ok: false, message: `--containment cgroup: no cgroup for tasks: ${setup.why}` };
  log.warn(
    { containment: 'pgroup', why: setup.why },
    'no cgroup for tasks: they run in process groups, and a process that leaves its group and clears its environment can outlive its task',
  );
  return { ok: true, containment: { kind: 'pgroup' } };
}

export type TaskUserSetup =
  | { readonly ok: true; readonly user: TaskUser | undefined }
  | { readonly ok: false; readonly message: string };

/** The user payloads run as: --task-user's where the bot can switch users, else the bot's own. */
export function setUpTaskUser(
  config: Pick<BotConfig, 'taskUser' | 'botDir' | 'token' | 'tokenFile'>,
  log: Logger,
): TaskUserSetup {
  if (config.taskUser === undefined) {
    if (process.geteuid?.() === 0)
      log.warn(
        { taskUser: 'shared' },
        'payloads run as root, like the bot: they can read its token; give --task-user',
      );
    return { ok: true, user: undefined };
  }
  const resolved = resolveTaskUser(config.taskUser);
  if (!resolved.ok) return { ok: false, message: `--task-user: ${resolved.message}` };
  const switching = userSwitching();
  if (!switching.ok) {
    log.warn(
      { taskUser: 'shared', wanted: config.taskUser, why: switching.why },
      "cannot run payloads as the task user: they run as the bot's own user",
    );
    return { ok: true, user: undefined };
  }
  if (switching.missing !== undefined)
    log.warn(
      { taskUser: config.taskUser, missing: switching.missing },
      'the bot can switch users but lacks capabilities the task user needs',
    );
  // A token its payloads could read would undo the separation: refuse to start with one.
  const exposed =
    config.token === undefined ? readableBy(config.tokenFile, resolved.user) : undefined;
  if (exposed !== undefined)
    return { ok: false, message: `--task-user ${config.taskUser}: ${exposed}` };
  try {
    prepareBotDirForTaskUser(config.botDir, resolved.user);
  } catch (err) {
    return {
      ok: false,
      message: `--task-user ${config.taskUser}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  log.info(
    { taskUser: resolved.user.name, uid: resolved.user.uid, gid: resolved.user.gid },
    'payloads run as the task user',
  );
  return { ok: true, user: resolved.user };
}

/**
 * `containment=cgroup|pgroup`, `task_user=separate|shared`, and `limits=<controller>` for each
 * limit a task's cgroup can have (memory, pids, cpu).
 */
export function containmentDimensions(
  containment: RunContainment,
  separateUser: boolean,
): Dimensions {
  const limits = containment.kind === 'cgroup' ? [...containment.cgroups.controllers] : [];
  return {
    containment: [containment.kind],
    task_user: [separateUser ? 'separate' : 'shared'],
    ...(limits.length > 0 ? { limits } : {}),
  };
}

/**
 * The fork server (fork-server.ts) that forks this bot's payloads, started now; undefined (said
 * in the log) where there is none: the bot forks them itself.
 */
export async function setUpForkServer(
  botDir: string,
  log: Logger,
  taskUser: TaskUser | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ForkServer | undefined> {
  const binary = await forkServerBinary(botDir, env);
  if (!binary.ok) {
    log.info({ forkServer: 'none', why: binary.why }, 'payloads are forked by the bot itself');
    return undefined;
  }
  let server: ForkServer;
  try {
    server = await ForkServer.start(binary.path, {
      onDeath: (why, restartInMs) =>
        log.warn(
          { why, restartInMs },
          'the fork server died: its running payloads were killed; the bot forks payloads itself until it runs again',
        ),
      onRestart: (pid) => log.info({ pid }, 'the fork server runs again'),
      onRestartFailed: (why, retryInMs) =>
        log.warn({ why, retryInMs }, 'the fork server did not start again'),
    });
  } catch (err) {
    log.warn(
      { forkServer: binary.path, why: err instanceof Error ? err.message : String(err) },
      'the fork server did not start: payloads are forked by the bot itself',
    );
    return undefined;
  }
  // It must be able to do what the bot's own spawn does: run a payload as the task user (a bot
  // given CAP_SETUID by file capabilities has them, the server it starts does not).
  const probe = await server.spawn({
    file: '/bin/true',
    argv0: 'true',
    args: [],
    env: {},
    cwd: '/',
    ...(taskUser === undefined ? {} : { uid: taskUser.uid, gid: taskUser.gid }),
  });
  if (probe.ok) {
    probe.child.stdout.destroy();
    probe.child.stderr.destroy();
  } else if (probe.stage !== 'exec') {
    // `exec` comes after the switch to the task user: a host without /bin/true is no reason.
    server.dispose();
    log.warn(
      { forkServer: binary.path, why: `${probe.stage}: ${probe.code}` },
      'the fork server cannot start payloads here: they are forked by the bot itself',
    );
    return undefined;
  }
  log.info(
    { forkServer: binary.path, from: binary.from, pid: server.pid },
    'a fork server forks the payloads',
  );
  return server;
}
