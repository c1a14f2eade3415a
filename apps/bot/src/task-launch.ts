import { traceHop, type AssignOut, type BotApiClient, type CasClient } from '@drover/protocol';
import type { Logger } from 'pino';
import type { CacheManager } from './caches';
import { startTask, type TaskManifestLike, type TaskRun } from './runner';
import type { SessionConfig } from './session-config';
import { taskOutDir } from './task-env';
import { deliverOutputs } from './task-outputs';
import {
  DEFAULT_COALESCE,
  DEFAULT_MAX_UNACKED_OUTPUT_BYTES,
  TaskSlot,
  type Link,
} from './task-slot';

/**
 * Starts an assigned task: a new slot, the runner with its output going to the slot, TaskStarted,
 * and the result handed to the slot (and logged) as soon as the process ended and its
 * DROVER_OUTDIR was uploaded (task-outputs.ts); onEnded once the task is cleaned up too (its
 * work dir removed).
 */

export interface LaunchContext {
  readonly opts: SessionConfig;
  readonly link: Link;
  /** The task's logger (taskId, leaseId). */
  readonly log: Logger;
  /** The coordinator this task came from: the payload's DROVER_SERVER (one address, not the list). */
  readonly server: string;
  /** After the slot has the result. */
  readonly onEnded: (run: TaskRun) => void;
  /** The slot paused or resumed the payload's output (backpressure). */
  readonly onOutputFlow?: (paused: boolean, keptBytes: number) => void;
  /** The bot's named caches (mounted by the runner). */
  readonly caches: CacheManager;
  /** A BotApi client to the coordinator the task came from (UploadOutputs). */
  readonly uploadClient: () => BotApiClient;
  /** A Cas client to the same coordinator (the inputs' Download). */
  readonly casClient?: () => CasClient;
  /** The most bytes of output files the task may upload (Welcome). */
  readonly maxOutputFilesBytes: number;
}

const EMPTY_MANIFEST: TaskManifestLike = {
  command: [],
  env: [],
  env_prefixes: [],
  relative_cwd: '',
  execution_timeout_secs: 0,
  io_timeout_secs: 0,
  grace_period_secs: 0,
  secret_env: [],
};

export function launchTask(a: AssignOut, ctx: LaunchContext): { slot: TaskSlot; run: TaskRun } {
  const { opts, log } = ctx;
  const manifest = a.manifest ?? EMPTY_MANIFEST;
  const slot = new TaskSlot(a.task_id, a.lease_id, ctx.link, opts.coalesce ?? DEFAULT_COALESCE, {
    maxUnackedBytes: opts.maxUnackedOutputBytes ?? DEFAULT_MAX_UNACKED_OUTPUT_BYTES,
    ...(ctx.onOutputFlow ? { onChange: ctx.onOutputFlow } : {}),
  });
  // The spawn first (startTask gets that far synchronously when it can), then the rest.
  const run = startTask({
    ...opts.taskOverrides,
    taskId: a.task_id,
    leaseId: a.lease_id,
    manifest,
    botId: opts.botId,
    server: ctx.server,
    botDir: opts.botDir,
    baseEnv: opts.taskBaseEnv,
    ...(opts.maxOutputBytes === undefined ? {} : { maxOutputBytes: opts.maxOutputBytes }),
    onOutput: (bytes) => slot.onOutput(bytes),
    caches: ctx.caches,
    keepOutDir: true,
    ...(opts.containment === undefined ? {} : { containment: opts.containment }),
    ...(opts.taskUser === undefined ? {} : { taskUser: opts.taskUser }),
    ...(opts.droverCli === undefined ? {} : { droverCli: opts.droverCli }),
    ...(ctx.casClient === undefined
      ? {}
      : {
          inputs: {
            cache: opts.casCache,
            client: ctx.casClient,
            token: opts.token,
            ...(opts.inputRetryDelaysMs === undefined
              ? {}
              : { retryDelaysMs: opts.inputRetryDelaysMs }),
          },
        }),
    log,
  });
  slot.attach(run);
  slot.started();
  log.info({ command: manifest.command, pid: run.pid }, 'task started');
  // The result goes as soon as the process is gone and the outputs are uploaded; the work dir is
  // removed meanwhile.
  const reported = run.ended.then(async (ended) => {
    const outputs = await deliverOutputs({
      result: ended,
      outDir: taskOutDir(opts.botDir, a.task_id),
      client: ctx.uploadClient,
      token: opts.token,
      botId: opts.botId,
      taskId: a.task_id,
      leaseId: a.lease_id,
      maxBytes: ctx.maxOutputFilesBytes,
      log,
    });
    const result = outputs === undefined ? ended : { ...ended, outputs };
    slot.ended(result);
    traceHop(a.task_id, 'finished-sent');
    log.info(
      {
        exitCode: result.exitCode,
        durationSecs: result.durationSecs,
        timedOut: result.timedOut,
        killed: result.killed,
        canceled: result.canceled,
        outputSize: result.outputSize,
        outputDropped: result.outputDropped,
        escapedKilled: result.escapedKilled,
        clientError: result.clientError,
        inputsFetchSecs: result.inputsFetchSecs,
        inputsFetchedBytes: result.inputsFetchedBytes,
        outputFiles: result.outputs?.files.length,
        outputsTruncated: result.outputs?.truncated,
      },
      'task ended',
    );
    if ((result.escapedKilled?.length ?? 0) > 0)
      log.warn(
        { pids: result.escapedKilled, containment: opts.containment?.kind ?? 'pgroup' },
        'killed processes of the task that outlived it',
      );
    if ((result.stuck?.length ?? 0) > 0)
      log.error(
        { pids: result.stuck },
        'processes of the task are still there after SIGKILL (stuck in the kernel); the next start kills them',
      );
  });
  void Promise.all([run.result, reported]).then(() => ctx.onEnded(run));
  return { slot, run };
}
