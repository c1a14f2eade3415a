import {
  InvalidArgumentError,
  validateNewTask,
  type NewTaskRequestOut,
  type StringPairOut,
} from '@drover/protocol';
import {
  taskPoolOf,
  type ExecutionId,
  type GraphEffect,
  type QuestDesc,
  type TaskSpec,
} from '@drover/state';
import {
  mergeParameters,
  parseDistributorParameters,
  type DistributorConfig,
  type DistributorParameters,
} from './distributor-config';

/** The payload's environment: `DROVER_EXECUTION_ID` = `<quest>/<attempt>/<execution>`. */
export const EXECUTION_ID_ENV = 'DROVER_EXECUTION_ID';
/** The one-time activation token, base64url; secret env only (never in the Tasks API or logs). */
export const EXECUTION_TOKEN_ENV = 'DROVER_EXECUTION_TOKEN';

export function formatExecutionId(id: ExecutionId): string {
  return `${id.quest}/${id.attempt}/${id.execution}`;
}

interface TaskTiming {
  readonly expirationSecs: number;
  readonly executionTimeoutSecs: number;
  readonly gracePeriodSecs: number;
}

/**
 * The task a quest's executions run as, validated like NewTask. Throws InvalidArgumentError naming
 * the quest's field (`<prefix>distributor_config_name`, `<prefix>distributor_parameters.command`,
 * `<prefix>meta.timeouts.run`…). `prefix` is e.g. `quests[2].`.
 */
export function questTaskSpec(
  distributors: ReadonlyMap<string, DistributorConfig>,
  desc: QuestDesc,
  prefix: string,
  name = 'graph execution',
  extraTags: readonly string[] = [],
): TaskSpec {
  const distributor = distributors.get(desc.distributorConfigName);
  if (distributor === undefined) {
    throw new InvalidArgumentError(
      `${prefix}distributor_config_name`,
      `unknown distributor ${JSON.stringify(desc.distributorConfigName)} (known: ${[...distributors.keys()].join(', ')})`,
    );
  }
  const parsed = parseDistributorParameters(
    JSON.parse(desc.distributorParameters) as unknown,
    `${prefix}distributor_parameters`,
  );
  if ('error' in parsed) {
    throw new InvalidArgumentError(parsed.field, parsed.error.slice(parsed.field.length + 2));
  }
  const params = mergeParameters(distributor.defaults, parsed.ok);
  const { timeouts } = desc.meta;
  const timing: TaskTiming = {
    expirationSecs: timeouts.startSecs,
    executionTimeoutSecs: timeouts.runSecs,
    gracePeriodSecs: timeouts.stopSecs,
  };
  const request = taskRequest(params, timing, name, desc.meta.asAccount, extraTags);
  try {
    return validateNewTask(request, 'graph');
  } catch (err) {
    if (err instanceof InvalidArgumentError && err.field !== undefined) {
      const field = questField(err.field, prefix);
      throw new InvalidArgumentError(field, err.message.slice(err.field.length + 2));
    }
    throw err;
  }
}

/** The pool a quest's tasks run in ('' when it has none): what `submit`/`view` are checked on. */
export function questPool(
  distributors: ReadonlyMap<string, DistributorConfig>,
  desc: QuestDesc,
): string {
  try {
    return taskPoolOf(questTaskSpec(distributors, desc, ''));
  } catch {
    return '';
  }
}

/**
 * The task of one execution (the `create-task` effect): the quest's task with the execution's id
 * and activation token in its secret env.
 */
export function executionTaskSpec(
  distributors: ReadonlyMap<string, DistributorConfig>,
  desc: QuestDesc,
  effect: Extract<GraphEffect, { type: 'create-task' }>,
): TaskSpec {
  const id = formatExecutionId(effect.execution);
  const spec = questTaskSpec(
    distributors,
    desc,
    '',
    `graph ${id.slice(0, 12)}…/${effect.execution.attempt}/${effect.execution.execution}`,
    [`drover-graph-execution:${id}`],
  );
  const secretEnv = [
    { key: EXECUTION_ID_ENV, value: id },
    { key: EXECUTION_TOKEN_ENV, value: Buffer.from(effect.activationToken).toString('base64url') },
  ];
  return {
    ...spec,
    slices: spec.slices.map((s) => ({ ...s, properties: { ...s.properties, secretEnv } })),
  };
}

function taskRequest(
  p: DistributorParameters,
  timing: TaskTiming,
  name: string,
  asAccount: string,
  extraTags: readonly string[],
): NewTaskRequestOut {
  const dimensions: StringPairOut[] = [];
  for (const [key, value] of Object.entries(p.dimensions ?? {})) {
    for (const v of typeof value === 'string' ? [value] : value) dimensions.push({ key, value: v });
  }
  const request: NewTaskRequestOut = {
    name,
    tags: [...(p.tags ?? []), ...extraTags],
    user: asAccount === '' ? 'graph' : asAccount,
    request_uuid: '',
    parent_task_id: '',
    notify: null,
    properties: null,
    secret_bytes: Buffer.alloc(0),
    task_slices: [
      {
        properties: {
          command: [...(p.command ?? [])],
          env: Object.entries(p.env ?? {}).map(([key, value]) => ({ key, value })),
          env_prefixes: [],
          relative_cwd: p.relative_cwd ?? '',
          dimensions,
          execution_timeout_secs: timing.executionTimeoutSecs,
          io_timeout_secs: p.io_timeout ?? 0,
          grace_period_secs: timing.gracePeriodSecs,
          idempotent: false,
          caches: (p.caches ?? []).map((c) => ({ name: c.name, path: c.path })),
          cas_input_root: null,
        },
        expiration_secs: timing.expirationSecs,
        wait_for_capacity: p.wait_for_capacity ?? true,
      },
    ],
  };
  if (p.priority !== undefined) request.priority = p.priority;
  return request;
}

/** A NewTask field → the quest field it came from. */
function questField(taskField: string, prefix: string): string {
  const props = 'task_slices[0].properties.';
  if (taskField.startsWith(props)) {
    const rest = taskField.slice(props.length);
    const head = rest.split(/[.[]/)[0] ?? rest;
    if (head === 'caches') return `${prefix}distributor_parameters.${rest}`;
    const renamed: Record<string, string> = {
      execution_timeout_secs: 'meta.timeouts.run',
      grace_period_secs: 'meta.timeouts.stop',
      io_timeout_secs: 'distributor_parameters.io_timeout',
    };
    return `${prefix}${renamed[head] ?? `distributor_parameters.${head}`}`;
  }
  if (taskField.startsWith('task_slices[0].expiration_secs')) return `${prefix}meta.timeouts.start`;
  if (taskField.startsWith('task_slices')) return `${prefix}distributor_parameters`;
  const head = taskField.split(/[.[]/)[0] ?? taskField;
  return `${prefix}distributor_parameters.${head}`;
}
