import type {
  KeyValue,
  KeyValues,
  TaskNotify,
  TaskProperties,
  TaskSlice,
  TaskSpec,
} from '@drover/state';
import { countOrCombinations, propertiesHash } from '@drover/state';
import { PARENT_TAG_KEY, withAutomaticTags } from './automatic-tags';
import { BLOB_HASH, TREE_LIMITS } from './cas-tree';
import { InvalidArgumentError } from './errors';
import { validateCaches } from './validate-caches';
import {
  MAX_ARGV_ENV_BYTES,
  MAX_USER_CHARS,
  PROPERTIES_LIMITS,
  findLimitViolation,
} from './request-limits';
import type { NewTaskRequest__Output } from './gen/drover/v1/NewTaskRequest';
import type { TaskNotify__Output } from './gen/drover/v1/TaskNotify';
import type { TaskProperties__Output } from './gen/drover/v1/TaskProperties';

/** Limits of DESIGN.md §2. */
export const TASK_LIMITS = {
  maxSlices: 8,
  maxCommandArgs: 128,
  maxEnv: 64,
  maxTags: 256,
  maxOrCombinations: 8,
  maxDimensionKeyLength: 64,
  maxDimensionValueLength: 256,
  /** Swarming's caps: distinct keys and key:value pairs per slice. */
  maxDimensionKeys: 32,
  maxDimensions: PROPERTIES_LIMITS.dimensions.maxItems,
  maxEnvKeyLength: PROPERTIES_LIMITS['env[].key'].maxChars,
  /** UTF-8 bytes; see request-limits.ts for why not Swarming's 1024. */
  maxEnvValueBytes: PROPERTIES_LIMITS['env[].value'].maxChars,
  /** UTF-8 bytes of one command argument: half the kernel's MAX_ARG_STRLEN. */
  maxArgBytes: PROPERTIES_LIMITS['command[]'].maxChars,
  maxEnvPrefixes: PROPERTIES_LIMITS.env_prefixes.maxItems,
  /** A slice's argv + env as exec counts them (request-limits.ts MAX_ARGV_ENV_BYTES). */
  maxArgvEnvBytes: MAX_ARGV_ENV_BYTES,
  maxUserLength: MAX_USER_CHARS,
  minPriority: 1,
  maxPriority: 255,
  defaultPriority: 200,
  minExpirationSecs: 1,
  maxExpirationSecs: 604_800,
  defaultExpirationSecs: 21_600,
  defaultExecutionTimeoutSecs: 3600,
  maxExecutionTimeoutSecs: 604_800,
  defaultIoTimeoutSecs: 0,
  defaultGracePeriodSecs: 30,
  maxGracePeriodSecs: 3600,
  /** Resource limits (absent = none): memory.max 1 MiB..1 TiB, pids.max, cpu.weight. */
  minMemoryLimitBytes: 1024 ** 2,
  maxMemoryLimitBytes: 1024 ** 4,
  minPidsLimit: 1,
  maxPidsLimit: 65_536,
  minCpuWeight: 1,
  maxCpuWeight: 10_000,
  /**
   * A task's own bot ping tolerance (absent = the coordinator's --bot-ping-tolerance). At least
   * three of the default 10 s heartbeats, so one late beat never costs a task; Swarming's 1200
   * at most.
   */
  minBotPingToleranceSecs: 30,
  maxBotPingToleranceSecs: 1200,
  maxNameLength: 1024,
  maxTagLength: 1024,
  maxRequestUuidLength: 128,
  maxNotifyUrlLength: 2048,
  maxNotifyUserdataLength: 4096,
} as const;

export { PARENT_TAG_KEY } from './automatic-tags';

const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;

const DIMENSION_KEY = /^[a-zA-Z_.-][0-9a-zA-Z_.-]*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a NewTask request and applies every default. Throws InvalidArgumentError naming the
 * first field at fault (e.g. `task_slices[0].properties.dimensions`); pure otherwise.
 */
export function validateNewTask(req: NewTaskRequest__Output, authenticated = ''): TaskSpec {
  // Every field's size first (the gRPC edge checked it too; a graph quest's task comes here
  // without passing it), so nothing below works on an oversized input.
  const oversized = findLimitViolation('Tasks.NewTask', req);
  if (oversized !== undefined) throw new InvalidArgumentError(oversized.field, oversized.problem);
  const name = req.name;
  if (name.length > TASK_LIMITS.maxNameLength) {
    throw new InvalidArgumentError('name', `at most ${TASK_LIMITS.maxNameLength} characters`);
  }
  const priority = req.priority ?? TASK_LIMITS.defaultPriority;
  if (
    !Number.isInteger(priority) ||
    priority < TASK_LIMITS.minPriority ||
    priority > TASK_LIMITS.maxPriority
  ) {
    throw new InvalidArgumentError(
      'priority',
      `must be between ${TASK_LIMITS.minPriority} and ${TASK_LIMITS.maxPriority} (lower runs first), got ${priority}`,
    );
  }
  const parentTaskId = req.parent_task_id;
  if (parentTaskId !== '' && !TASK_ID.test(parentTaskId)) {
    throw new InvalidArgumentError(
      'parent_task_id',
      `not a task id (1 to 128 of [A-Za-z0-9_-]): ${JSON.stringify(parentTaskId.slice(0, 140))}`,
    );
  }
  const clientTags = validateTags(req.tags, parentTaskId);
  const notify = validateNotify(req.notify);
  if (req.request_uuid.length > TASK_LIMITS.maxRequestUuidLength) {
    throw new InvalidArgumentError(
      'request_uuid',
      `at most ${TASK_LIMITS.maxRequestUuidLength} characters`,
    );
  }

  let slices: TaskSlice[];
  if (req.task_slices.length > 0) {
    if (
      req.properties !== null &&
      req.properties !== undefined &&
      req.properties.command.length > 0
    ) {
      throw new InvalidArgumentError(
        'properties',
        'give either task_slices or properties, not both',
      );
    }
    if (req.task_slices.length > TASK_LIMITS.maxSlices) {
      throw new InvalidArgumentError(
        'task_slices',
        `at most ${TASK_LIMITS.maxSlices} slices, got ${req.task_slices.length}`,
      );
    }
    slices = req.task_slices.map((s, i) =>
      validateSlice(`task_slices[${i}]`, s.properties, s.expiration_secs, s.wait_for_capacity),
    );
  } else if (req.properties !== null && req.properties !== undefined) {
    slices = [validateSlice('', req.properties, req.expiration_secs, false)];
  } else {
    throw new InvalidArgumentError(
      'task_slices',
      'a task needs at least one slice (or properties)',
    );
  }

  const pools = slices.map((s) => s.properties.dimensions.find((d) => d.key === 'pool')!.value);
  pools.forEach((pool, i) => {
    if (pool !== pools[0]) {
      throw new InvalidArgumentError(
        `task_slices[${i}].properties.dimensions`,
        `pool must be the same in every slice: ${pool} differs from ${pools[0]}`,
      );
    }
  });
  const seen = new Set<string>();
  slices.forEach((s, i) => {
    const key = JSON.stringify(s);
    if (seen.has(key))
      throw new InvalidArgumentError(`task_slices[${i}]`, 'duplicates an earlier slice');
    seen.add(key);
  });

  const tags = withAutomaticTags(clientTags, {
    pools,
    // An empty user is the caller (the coordinator stores it so): its tag says so too.
    user: req.user !== '' ? req.user : authenticated,
    name,
    priority,
    parentTaskId,
  });
  return {
    name,
    priority,
    tags,
    user: req.user,
    authenticated,
    requestUuid: req.request_uuid,
    parentTaskId,
    slices,
    ...(notify === undefined ? {} : { notify }),
    // The bytes go apart (the coordinator seals and stores them); the spec only says so.
    ...((req.secret_bytes?.length ?? 0) > 0 ? { hasSecretBytes: true } : {}),
  };
}

/**
 * The client's tags, checked; the automatic ones (automatic-tags.ts) come on top, except
 * `parent_task_id:` which counts in the 256 as it always did.
 */
function validateTags(tags: readonly string[], parentTaskId: string): readonly string[] {
  const max = parentTaskId === '' ? TASK_LIMITS.maxTags : TASK_LIMITS.maxTags - 1;
  if (tags.length > max) {
    throw new InvalidArgumentError(
      'tags',
      `at most ${max} tags${parentTaskId === '' ? '' : ' with a parent task'}, got ${tags.length}`,
    );
  }
  tags.forEach((tag, i) => {
    const colon = tag.indexOf(':');
    if (colon <= 0)
      throw new InvalidArgumentError(`tags[${i}]`, `must be key:value, got ${JSON.stringify(tag)}`);
    if (tag.length > TASK_LIMITS.maxTagLength) {
      throw new InvalidArgumentError(
        `tags[${i}]`,
        `at most ${TASK_LIMITS.maxTagLength} characters`,
      );
    }
    if (tag.slice(0, colon) === PARENT_TAG_KEY) {
      throw new InvalidArgumentError(
        `tags[${i}]`,
        `the ${PARENT_TAG_KEY} tag is set by the coordinator: give parent_task_id instead`,
      );
    }
  });
  return tags;
}

/** `notify`: absent (or empty) = none; otherwise an http(s) URL and optional userdata. */
function validateNotify(notify: TaskNotify__Output | null | undefined): TaskNotify | undefined {
  if (notify === null || notify === undefined) return undefined;
  const { url, userdata } = notify;
  if (url === '' && userdata === '') return undefined;
  if (url === '') throw new InvalidArgumentError('notify.url', 'required when notify is given');
  if (url.length > TASK_LIMITS.maxNotifyUrlLength) {
    throw new InvalidArgumentError(
      'notify.url',
      `at most ${TASK_LIMITS.maxNotifyUrlLength} characters`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('notify.url', `not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(
      'notify.url',
      `must be an http:// or https:// URL, got ${parsed.protocol}`,
    );
  }
  if (userdata.length > TASK_LIMITS.maxNotifyUserdataLength) {
    throw new InvalidArgumentError(
      'notify.userdata',
      `at most ${TASK_LIMITS.maxNotifyUserdataLength} characters`,
    );
  }
  return { url, userdata };
}

function validateSlice(
  path: string,
  props: TaskProperties__Output | null | undefined,
  expirationSecs: number | undefined,
  waitForCapacity: boolean,
): TaskSlice {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  if (props === null || props === undefined) {
    throw new InvalidArgumentError(at('properties'), 'required');
  }
  const expiration = expirationSecs ?? TASK_LIMITS.defaultExpirationSecs;
  if (
    !Number.isInteger(expiration) ||
    expiration < TASK_LIMITS.minExpirationSecs ||
    expiration > TASK_LIMITS.maxExpirationSecs
  ) {
    throw new InvalidArgumentError(
      at('expiration_secs'),
      `must be between ${TASK_LIMITS.minExpirationSecs} and ${TASK_LIMITS.maxExpirationSecs}, got ${expiration}`,
    );
  }
  const properties = validateProperties(at('properties'), props);
  return {
    properties,
    propertiesHash: propertiesHash(properties),
    expirationSecs: expiration,
    waitForCapacity,
  };
}

function validateProperties(path: string, p: TaskProperties__Output): TaskProperties {
  const at = (field: string) => `${path}.${field}`;
  if (p.command.length === 0) throw new InvalidArgumentError(at('command'), 'must not be empty');
  if (p.command.length > TASK_LIMITS.maxCommandArgs) {
    throw new InvalidArgumentError(
      at('command'),
      `at most ${TASK_LIMITS.maxCommandArgs} arguments`,
    );
  }
  if (p.command[0] === '')
    throw new InvalidArgumentError(at('command[0]'), 'the program must not be empty');
  let argvEnvBytes = 0;
  p.command.forEach((arg, i) => {
    argvEnvBytes += execString(at(`command[${i}]`), arg, TASK_LIMITS.maxArgBytes);
  });

  if (p.env.length > TASK_LIMITS.maxEnv) {
    throw new InvalidArgumentError(at('env'), `at most ${TASK_LIMITS.maxEnv} variables`);
  }
  const envKeys = new Set<string>();
  const env: KeyValue[] = p.env.map((e, i) => {
    if (!ENV_KEY.test(e.key)) {
      throw new InvalidArgumentError(
        at(`env[${i}].key`),
        `must match ${ENV_KEY.source}, got ${JSON.stringify(e.key)}`,
      );
    }
    if (envKeys.has(e.key))
      throw new InvalidArgumentError(at(`env[${i}].key`), `${e.key} is given twice`);
    envKeys.add(e.key);
    argvEnvBytes +=
      e.key.length + 1 + execString(at(`env[${i}].value`), e.value, TASK_LIMITS.maxEnvValueBytes);
    return { key: e.key, value: e.value };
  });
  const envPrefixes: KeyValues[] = p.env_prefixes.map((e, i) => {
    if (!ENV_KEY.test(e.key)) {
      throw new InvalidArgumentError(at(`env_prefixes[${i}].key`), `must match ${ENV_KEY.source}`);
    }
    argvEnvBytes += e.key.length + 1;
    e.value.forEach((v, j) => {
      const field = at(`env_prefixes[${i}].value[${j}]`);
      checkRelativePath(field, v);
      // The bot prepends each as an absolute path below its work dir: count some room for it.
      argvEnvBytes += execString(field, v, Infinity) + ENV_PREFIX_ROOM_BYTES;
    });
    return { key: e.key, values: [...e.value] };
  });
  if (argvEnvBytes > TASK_LIMITS.maxArgvEnvBytes) {
    throw new InvalidArgumentError(
      path,
      `command, env and env_prefixes take ${argvEnvBytes} bytes once exec'd, at most ${TASK_LIMITS.maxArgvEnvBytes}`,
    );
  }
  if (p.relative_cwd !== '') checkRelativePath(at('relative_cwd'), p.relative_cwd);

  const dimensions = validateDimensions(at('dimensions'), p.dimensions);

  const executionTimeoutSecs = p.execution_timeout_secs ?? TASK_LIMITS.defaultExecutionTimeoutSecs;
  if (
    !Number.isInteger(executionTimeoutSecs) ||
    executionTimeoutSecs < 1 ||
    executionTimeoutSecs > TASK_LIMITS.maxExecutionTimeoutSecs
  ) {
    throw new InvalidArgumentError(
      at('execution_timeout_secs'),
      `must be between 1 and ${TASK_LIMITS.maxExecutionTimeoutSecs}, got ${executionTimeoutSecs}`,
    );
  }
  const ioTimeoutSecs = p.io_timeout_secs ?? TASK_LIMITS.defaultIoTimeoutSecs;
  if (
    !Number.isInteger(ioTimeoutSecs) ||
    ioTimeoutSecs < 0 ||
    ioTimeoutSecs > TASK_LIMITS.maxExecutionTimeoutSecs
  ) {
    throw new InvalidArgumentError(
      at('io_timeout_secs'),
      `must be between 0 (off) and ${TASK_LIMITS.maxExecutionTimeoutSecs}, got ${ioTimeoutSecs}`,
    );
  }
  const gracePeriodSecs = p.grace_period_secs ?? TASK_LIMITS.defaultGracePeriodSecs;
  if (
    !Number.isInteger(gracePeriodSecs) ||
    gracePeriodSecs < 0 ||
    gracePeriodSecs > TASK_LIMITS.maxGracePeriodSecs
  ) {
    throw new InvalidArgumentError(
      at('grace_period_secs'),
      `must be between 0 and ${TASK_LIMITS.maxGracePeriodSecs}, got ${gracePeriodSecs}`,
    );
  }
  const memoryLimitBytes = optionalInRange(
    at('memory_limit_bytes'),
    p.memory_limit_bytes,
    TASK_LIMITS.minMemoryLimitBytes,
    TASK_LIMITS.maxMemoryLimitBytes,
    ' bytes (1 MiB to 1 TiB)',
  );
  const pidsLimit = optionalInRange(
    at('pids_limit'),
    p.pids_limit,
    TASK_LIMITS.minPidsLimit,
    TASK_LIMITS.maxPidsLimit,
    ' processes and threads',
  );
  const cpuWeight = optionalInRange(
    at('cpu_weight'),
    p.cpu_weight,
    TASK_LIMITS.minCpuWeight,
    TASK_LIMITS.maxCpuWeight,
    ' (the default share is 100)',
  );
  const casInputRoot = validateInputRoot(at('cas_input_root'), p.cas_input_root);
  const botPingToleranceSecs = optionalInRange(
    at('bot_ping_tolerance_secs'),
    p.bot_ping_tolerance_secs,
    TASK_LIMITS.minBotPingToleranceSecs,
    TASK_LIMITS.maxBotPingToleranceSecs,
    ' seconds',
  );
  return {
    command: [...p.command],
    env,
    envPrefixes,
    relativeCwd: p.relative_cwd,
    dimensions,
    executionTimeoutSecs,
    ioTimeoutSecs,
    gracePeriodSecs,
    idempotent: p.idempotent,
    ...(p.caches.length > 0 ? { caches: validateCaches(path, p.caches) } : {}),
    ...(memoryLimitBytes === undefined ? {} : { memoryLimitBytes }),
    ...(pidsLimit === undefined ? {} : { pidsLimit }),
    ...(cpuWeight === undefined ? {} : { cpuWeight }),
    ...(botPingToleranceSecs === undefined ? {} : { botPingToleranceSecs }),
    ...(casInputRoot === undefined ? {} : { casInputRoot }),
  };
}

/**
 * A slice's cas_input_root, when given: a well-formed Digest of a tree listing (at most
 * TREE_LIMITS.bytes). Whether the CAS holds it, and every file it lists, the coordinator checks.
 */
function validateInputRoot(
  field: string,
  d: { hash: string; size_bytes: number | string } | null | undefined,
): { hash: string; sizeBytes: number } | undefined {
  if (d === null || d === undefined) return undefined;
  if (!BLOB_HASH.test(d.hash)) {
    throw new InvalidArgumentError(`${field}.hash`, 'must be a SHA-256 in lower-case hex');
  }
  const sizeBytes = Number(d.size_bytes);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > TREE_LIMITS.bytes) {
    throw new InvalidArgumentError(
      `${field}.size_bytes`,
      `a tree listing is 0 to ${TREE_LIMITS.bytes} bytes, got ${d.size_bytes}`,
    );
  }
  return { hash: d.hash, sizeBytes };
}

/**
 * An optional whole number that, when given, must lie in [min, max]; absent stays absent (a
 * resource limit left out is no limit, not a default one).
 */
function optionalInRange(
  field: string,
  value: number | undefined,
  min: number,
  max: number,
  unit: string,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be between ${min} and ${max}${unit}, got ${value}`);
  }
  return value;
}

function validateDimensions(
  path: string,
  dims: readonly { key: string; value: string }[],
): KeyValue[] {
  let pools = 0;
  const seen = new Set<string>();
  if (dims.length > TASK_LIMITS.maxDimensions) {
    throw new InvalidArgumentError(
      path,
      `at most ${TASK_LIMITS.maxDimensions} key:value pairs, got ${dims.length}`,
    );
  }
  const keys = new Set(dims.map((d) => d.key));
  if (keys.size > TASK_LIMITS.maxDimensionKeys) {
    throw new InvalidArgumentError(
      path,
      `at most ${TASK_LIMITS.maxDimensionKeys} distinct keys, got ${keys.size}`,
    );
  }
  const out = dims.map((d, i) => {
    const at = `${path}[${i}]`;
    if (!DIMENSION_KEY.test(d.key) || d.key.length > TASK_LIMITS.maxDimensionKeyLength) {
      throw new InvalidArgumentError(
        `${at}.key`,
        `must match ${DIMENSION_KEY.source} and be at most ${TASK_LIMITS.maxDimensionKeyLength} characters, got ${JSON.stringify(d.key)}`,
      );
    }
    if (d.value === '' || d.value.length > TASK_LIMITS.maxDimensionValueLength) {
      throw new InvalidArgumentError(
        `${at}.value`,
        `must be 1 to ${TASK_LIMITS.maxDimensionValueLength} characters`,
      );
    }
    if (d.value.split('|').some((alt) => alt.trim() === '')) {
      throw new InvalidArgumentError(
        `${at}.value`,
        `has an empty alternative: ${JSON.stringify(d.value)}`,
      );
    }
    if (d.key === 'pool') {
      pools++;
      if (d.value.includes('|'))
        throw new InvalidArgumentError(`${at}.value`, 'pool cannot be an OR (a|b)');
    }
    const id = `${d.key}:${d.value}`;
    if (seen.has(id)) throw new InvalidArgumentError(at, `${id} is given twice`);
    seen.add(id);
    return { key: d.key, value: d.value };
  });
  if (pools !== 1) {
    throw new InvalidArgumentError(
      path,
      pools === 0 ? 'pool is required (e.g. pool=default)' : 'pool must be given exactly once',
    );
  }
  const combos = countOrCombinations(out);
  if (combos > TASK_LIMITS.maxOrCombinations) {
    throw new InvalidArgumentError(
      path,
      `OR values expand to ${combos} combinations, at most ${TASK_LIMITS.maxOrCombinations} allowed`,
    );
  }
  return out;
}

/** Room counted for the bot's work-dir prefix of each env_prefixes value (an absolute path). */
const ENV_PREFIX_ROOM_BYTES = 256;

/**
 * Checks one string exec will copy (no NUL, at most `maxBytes` of UTF-8) and returns what it
 * takes of the argv+env budget: its bytes and its NUL.
 */
function execString(field: string, s: string, maxBytes: number): number {
  if (s.includes('\0')) throw new InvalidArgumentError(field, 'must not contain a NUL character');
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > maxBytes) {
    throw new InvalidArgumentError(field, `at most ${maxBytes} bytes in UTF-8, got ${bytes}`);
  }
  return bytes + 1;
}

function checkRelativePath(field: string, p: string): void {
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) {
    throw new InvalidArgumentError(field, `must be a relative path, got ${JSON.stringify(p)}`);
  }
  if (p.split(/[\\/]/).includes('..')) {
    throw new InvalidArgumentError(
      field,
      `must stay inside the task's work dir, got ${JSON.stringify(p)}`,
    );
  }
}
