import type { CoordinatorMessage } from '@drover/protocol';
import type { KeyValue, Task } from '@drover/state';

/**
 * What the coordinator pushes when a bot is given a task: an Assign with the manifest of the
 * current slice, or, for a termination task (TerminateBot), a Terminate carrying the lease.
 */
export function dispatchMessage(
  task: Task,
  leaseId: string,
  /** The task's secret bytes, opened for this Assign alone (secrets/task-secrets.ts). */
  secretBytes?: Uint8Array,
): CoordinatorMessage {
  const terminate = task.spec.terminate;
  if (terminate !== undefined) {
    return { terminate: { reason: terminate.reason, task_id: task.id, lease_id: leaseId } };
  }
  const props = task.spec.slices[task.currentSlice]!.properties;
  return {
    assign: {
      task_id: task.id,
      lease_id: leaseId,
      manifest: {
        command: [...props.command],
        env: props.env.map((e) => ({ key: e.key, value: e.value })),
        env_prefixes: props.envPrefixes.map((e) => ({ key: e.key, value: [...e.values] })),
        relative_cwd: props.relativeCwd,
        execution_timeout_secs: props.executionTimeoutSecs,
        io_timeout_secs: props.ioTimeoutSecs,
        grace_period_secs: props.gracePeriodSecs,
        secret_env: (props.secretEnv ?? []).map((e) => ({ key: e.key, value: e.value })),
        caches: (props.caches ?? []).map((c) => ({ name: c.name, path: c.path })),
        // 0 = none: the manifest's fields are plain proto3 scalars.
        memory_limit_bytes: props.memoryLimitBytes ?? 0,
        pids_limit: props.pidsLimit ?? 0,
        cpu_weight: props.cpuWeight ?? 0,
        // The input tree the bot lays out before the process starts (Cas.Download, bot token).
        ...(props.casInputRoot === undefined
          ? {}
          : {
              cas_input_root: {
                hash: props.casInputRoot.hash,
                size_bytes: props.casInputRoot.sizeBytes,
              },
            }),
        ...(secretBytes === undefined ? {} : { secret_bytes: Buffer.from(secretBytes) }),
      },
    },
  };
}

/**
 * The bot a termination task is for: the value of its `id` dimension. Works on a PendingSummary
 * too (no spec at start-up), given its `terminate` flag.
 */
export function terminationTarget(
  terminate: boolean,
  dimensions: readonly KeyValue[],
): string | undefined {
  if (!terminate) return undefined;
  return dimensions.find((d) => d.key === 'id')?.value;
}
