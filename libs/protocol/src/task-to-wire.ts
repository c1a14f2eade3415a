import type { Task, TaskProperties as DomainProperties } from '@drover/state';
import type { TaskProperties } from './gen/drover/v1/TaskProperties';
import type { TaskRequest } from './gen/drover/v1/TaskRequest';
import type { TaskResult } from './gen/drover/v1/TaskResult';
import { msToTimestamp } from './timestamps';

/** The wire TaskResult of a stored task. */
export function taskToResult(task: Task): TaskResult {
  const result: TaskResult = {
    task_id: task.id,
    name: task.spec.name,
    state: task.state,
    current_task_slice: task.currentSlice,
    bot_id: task.botId ?? '',
    bot_dimensions: task.botDimensions.map((d) => ({ key: d.key, value: [...d.values] })),
    duration: task.durationSecs ?? 0,
    created_ts: msToTimestamp(task.createdAtMs),
    started_ts: msToTimestamp(task.startedAtMs),
    completed_ts: msToTimestamp(task.completedAtMs),
    abandoned_ts: msToTimestamp(task.abandonedAtMs),
    modified_ts: msToTimestamp(task.modifiedAtMs),
    failure: task.failure,
    internal_failure: task.internalFailure,
    deduped_from: task.dedupedFrom ?? '',
    output_size: task.outputSize,
    tags: [...task.spec.tags],
    priority: task.spec.priority,
    user: task.spec.user,
    summary: task.summary,
    parent_task_id: task.spec.parentTaskId,
    outputs: (task.outputs?.files ?? []).map((f) => ({
      path: f.path,
      size: f.size,
      digest: f.digest,
    })),
    outputs_truncated: task.outputs?.truncated ?? false,
    inputs_fetch_duration: task.inputsFetch?.durationSecs ?? 0,
    inputs_fetched_bytes: task.inputsFetch?.bytes ?? 0,
    canceled_by: task.canceledBy ?? '',
  };
  if (task.exitCode !== null) result.exit_code = task.exitCode;
  return result;
}

/** The wire TaskRequest of a stored task: what was asked, with defaults applied. */
export function taskToRequest(task: Task): TaskRequest {
  return {
    task_id: task.id,
    name: task.spec.name,
    priority: task.spec.priority,
    tags: [...task.spec.tags],
    user: task.spec.user,
    request_uuid: task.spec.requestUuid,
    parent_task_id: task.spec.parentTaskId,
    notify:
      task.spec.notify === undefined
        ? null
        : {
            url: withoutCredentials(task.spec.notify.url),
            userdata: task.spec.notify.userdata,
          },
    created_ts: msToTimestamp(task.createdAtMs),
    // Whether the request carried secret_bytes; the bytes themselves are never returned.
    has_secret_bytes: task.spec.hasSecretBytes === true,
    task_slices: task.spec.slices.map((s) => ({
      properties: propertiesToWire(s.properties),
      expiration_secs: s.expirationSecs,
      wait_for_capacity: s.waitForCapacity,
    })),
  };
}

function propertiesToWire(p: DomainProperties): TaskProperties {
  const wire: TaskProperties = {
    command: [...p.command],
    env: p.env.map((e) => ({ key: e.key, value: e.value })),
    env_prefixes: p.envPrefixes.map((e) => ({ key: e.key, value: [...e.values] })),
    relative_cwd: p.relativeCwd,
    dimensions: p.dimensions.map((d) => ({ key: d.key, value: d.value })),
    execution_timeout_secs: p.executionTimeoutSecs,
    io_timeout_secs: p.ioTimeoutSecs,
    grace_period_secs: p.gracePeriodSecs,
    idempotent: p.idempotent,
    caches: (p.caches ?? []).map((c) => ({ name: c.name, path: c.path })),
  };
  // Resource limits only when given: absent on the wire is no limit.
  if (p.memoryLimitBytes !== undefined) wire.memory_limit_bytes = p.memoryLimitBytes;
  if (p.pidsLimit !== undefined) wire.pids_limit = p.pidsLimit;
  if (p.cpuWeight !== undefined) wire.cpu_weight = p.cpuWeight;
  // Absent: the coordinator's --bot-ping-tolerance.
  if (p.botPingToleranceSecs !== undefined) {
    wire.bot_ping_tolerance_secs = p.botPingToleranceSecs;
  }
  if (p.casInputRoot !== undefined) {
    wire.cas_input_root = { hash: p.casInputRoot.hash, size_bytes: p.casInputRoot.sizeBytes };
  }
  return wire;
}

/**
 * A notify URL as callers see it: credentials (user:password@) replaced by `***@`, so that
 * whoever may view a task cannot read the receiver's password.
 */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '***';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}
