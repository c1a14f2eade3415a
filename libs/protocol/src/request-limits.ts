/**
 * Size limits on every field of every request the coordinator accepts, checked on the
 * decoded message before any handler runs, so nothing oversized is stored, indexed or matched.
 * One table, keyed by RPC (`Service.Method`) and field path (`[]` = each element of a repeated
 * field); a field not in the table gets DEFAULT_FIELD_LIMITS. docs/limits.md is the same table in
 * prose; validate-new-task.ts adds the limits that are not about one field's size (dimension keys,
 * the argv+env budget, OR combinations).
 */

/** The most a string (characters), a bytes field (bytes) or a repeated field (items) may hold. */
export interface FieldLimit {
  readonly maxChars?: number;
  readonly maxBytes?: number;
  readonly maxItems?: number;
}

/** What a field not named in REQUEST_LIMITS may hold. */
export const DEFAULT_FIELD_LIMITS = {
  maxChars: 1024,
  maxBytes: 1024,
  maxItems: 64,
} as const satisfies FieldLimit;

/** One slice's TaskProperties (NewTask); the semantic checks are in validate-new-task.ts. */
export const PROPERTIES_LIMITS = {
  command: { maxItems: 128 },
  // Half the kernel's MAX_ARG_STRLEN (128 KiB per string); counted again in UTF-8 bytes.
  'command[]': { maxChars: 65_536 },
  env: { maxItems: 64 },
  'env[].key': { maxChars: 64 },
  // Swarming allows 1024; 32 KiB leaves room for a PATH-like list or a small JSON config while
  // `KEY=value` stays a quarter of MAX_ARG_STRLEN; the argv+env budget bounds the sum.
  'env[].value': { maxChars: 32_768 },
  env_prefixes: { maxItems: 64 },
  'env_prefixes[].key': { maxChars: 64 },
  'env_prefixes[].value': { maxItems: 32 },
  'env_prefixes[].value[]': { maxChars: 1024 },
  relative_cwd: { maxChars: 1024 },
  // Swarming's caps; at most 32 distinct keys is checked in validate-new-task.ts.
  dimensions: { maxItems: 64 },
  'dimensions[].key': { maxChars: 64 },
  'dimensions[].value': { maxChars: 256 },
  caches: { maxItems: 32 },
  'caches[].name': { maxChars: 128 },
  'caches[].path': { maxChars: 1024 },
  // A SHA-256 in hex; the tree it names must be in the CAS (cas/cas-inputs.ts on the coordinator).
  'cas_input_root.hash': { maxChars: 64 },
} as const satisfies Record<string, FieldLimit>;

/**
 * What one slice's command and env may take once the bot execs them, in bytes as the kernel
 * counts them (each string's UTF-8 bytes and its NUL; env as `KEY=value`, each env_prefixes path
 * with room for the bot's work-dir prefix). ARG_MAX is 2 MiB with the usual 8 MiB stack; 128 KiB
 * leaves more than 1.8 MiB for the bot's own environment and the DROVER_* variables it adds, so
 * exec never fails with E2BIG.
 */
export const MAX_ARGV_ENV_BYTES = 131_072;

/** The longest user name a task may carry. */
export const MAX_USER_CHARS = 256;

const TAG_FILTER = {
  tags: { maxItems: 64 },
  'tags[]': { maxChars: 1024 },
  cursor: { maxChars: 4096 },
  parent_task_id: { maxChars: 128 },
} as const satisfies Record<string, FieldLimit>;

const TASK_ID = { task_id: { maxChars: 128 } } as const;
const BOT_ID = { bot_id: { maxChars: 128 } } as const;
/** A bot's Hello and Heartbeat: values of one dimension key, entries of its health's `caches`. */
export const MAX_BOT_DIMENSION_VALUES = 64;
export const MAX_BOT_HEALTH_CACHES = 256;

const BOT_DIMENSIONS = {
  dimensions: { maxItems: 64 },
  'dimensions[].key': { maxChars: 64 },
  'dimensions[].value': { maxItems: MAX_BOT_DIMENSION_VALUES },
  'dimensions[].value[]': { maxChars: 256 },
} as const satisfies Record<string, FieldLimit>;
const BOT_HEALTH = {
  running_task_id: { maxChars: 128 },
  quarantined_reason: { maxChars: 1024 },
  caches: { maxItems: MAX_BOT_HEALTH_CACHES },
  'caches[].name': { maxChars: 128 },
} as const satisfies Record<string, FieldLimit>;
const EXECUTION_AUTH = { 'id.quest': { maxChars: 64 }, token: { maxBytes: 256 } } as const;
const DIMENSION_FILTER = {
  dimensions: { maxItems: 64 },
  'dimensions[].key': { maxChars: 64 },
  'dimensions[].value': { maxChars: 256 },
  cursor: { maxChars: 4096 },
} as const satisfies Record<string, FieldLimit>;

/** The most bytes of output data one message may carry (the bot sends 64 KiB, files 1 MiB). */
export const MAX_OUTPUT_CHUNK_BYTES = 1024 * 1024;

/** JSON of a quest's parameters, of a FinishAttempt result: 256 KiB (graph.proto). */
const MAX_GRAPH_JSON_CHARS = 262_144;

function prefixed(prefix: string, limits: Record<string, FieldLimit>): Record<string, FieldLimit> {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The most a NewTask's secret_bytes may hold (20 KiB, as Swarming's secret_bytes). */
export const MAX_SECRET_BYTES = 20_480;

const NEW_TASK = {
  name: { maxChars: 1024 },
  tags: { maxItems: 256 },
  'tags[]': { maxChars: 1024 },
  user: { maxChars: MAX_USER_CHARS },
  request_uuid: { maxChars: 128 },
  // parent_task_id: a task id (at most 128 characters), checked by validate-new-task.ts.
  task_slices: { maxItems: 8 },
  ...prefixed('properties', PROPERTIES_LIMITS),
  ...prefixed('task_slices[].properties', PROPERTIES_LIMITS),
  'notify.url': { maxChars: 2048 },
  'notify.userdata': { maxChars: 4096 },
  secret_bytes: { maxBytes: MAX_SECRET_BYTES },
} as const satisfies Record<string, FieldLimit>;

/** The most digests one Cas.FindMissing asks about. */
export const MAX_CAS_FIND_MISSING = 10_000;
/** The most bytes of blob data one Cas.Upload chunk carries (and one Download chunk). */
export const MAX_CAS_CHUNK_BYTES = 1024 * 1024;
/** The most blobs one Cas.Upload stores. */
export const MAX_CAS_UPLOAD_BLOBS = 1000;

/** The most tasks one NewTasks creates, as BatchGetResult reads at most 1000. */
export const MAX_NEW_TASKS = 1000;

/**
 * Service Access (access.proto): the limits its handler checks beyond the table below — the
 * roles-per-pool maps (`scope`, `roles`) are protobuf maps, which the table cannot name — and the
 * shapes of names (docs/limits.md, apps/coordinator/src/access/access-input.ts).
 */
export const ACCESS_LIMITS = {
  /** A principal's or bot group's name: no whitespace or control characters. */
  nameChars: 128,
  descriptionChars: 1024,
  /** Pools in one roles-per-pool map (`scope`, `roles`). */
  pools: 64,
  /** A pool name (or `*`): no whitespace and no `|`. */
  poolChars: 256,
  /** Bot id patterns of a bot group, each as BOT_ID_GLOB (at most 128 characters). */
  botIds: 64,
  /** Forced dimension keys of a bot group. */
  dimensions: 32,
  dimensionKeyChars: 64,
  /** Values of one forced dimension. */
  dimensionValues: 16,
  dimensionValueChars: 256,
  /** A token's life: 10 years. */
  maxTtlSeconds: 315_360_000,
} as const;

const ACCESS_NAME = { name: { maxChars: ACCESS_LIMITS.nameChars } } as const;
const ACCESS_DESCRIPTION = { description: { maxChars: ACCESS_LIMITS.descriptionChars } } as const;

/** Per RPC (`Service.Method`), the limits of the fields that differ from the defaults. */
export const REQUEST_LIMITS: Readonly<Record<string, Readonly<Record<string, FieldLimit>>>> = {
  'Tasks.NewTask': NEW_TASK,
  // Each request as one NewTask; the whole request's size is capped in REQUEST_MAX_BYTES.
  'Tasks.NewTasks': {
    requests: { maxItems: MAX_NEW_TASKS },
    ...prefixed('requests[]', NEW_TASK),
  },
  'Tasks.GetResult': TASK_ID,
  'Tasks.BatchGetResult': { task_ids: { maxItems: 1000 }, 'task_ids[]': { maxChars: 128 } },
  'Tasks.GetRequest': TASK_ID,
  'Tasks.GetStdout': TASK_ID,
  'Tasks.StreamOutput': TASK_ID,
  'Tasks.WaitTask': TASK_ID,
  'Tasks.CancelTask': TASK_ID,
  'Tasks.CancelTasks': TAG_FILTER,
  'Tasks.ListTasks': TAG_FILTER,
  'Tasks.CountTasks': TAG_FILTER,
  'Tasks.GetOutput': { ...TASK_ID, path: { maxChars: 1024 } },
  'Tasks.WatchTasks': {
    tags: { maxItems: 64 },
    'tags[]': { maxChars: 1024 },
    states: { maxItems: 16 },
  },
  'Bots.ListBots': DIMENSION_FILTER,
  'Bots.GetBot': BOT_ID,
  'Bots.CountBots': DIMENSION_FILTER,
  'Bots.GetBotDimensions': { pool: { maxChars: 256 } },
  'Bots.ListBotEvents': { ...BOT_ID, cursor: { maxChars: 4096 } },
  'Bots.ListBotTasks': { ...BOT_ID, cursor: { maxChars: 4096 } },
  'Bots.QuarantineBot': { ...BOT_ID, reason: { maxChars: 1024 } },
  'Bots.UnquarantineBot': BOT_ID,
  'Bots.SetMaintenance': { ...BOT_ID, message: { maxChars: 1024 } },
  'Bots.TerminateBot': { ...BOT_ID, reason: { maxChars: 1024 } },
  'Bots.DeleteBot': BOT_ID,
  'Graph.EnsureGraphData': {
    quests: { maxItems: 64 },
    'quests[].distributor_config_name': { maxChars: 256 },
    'quests[].parameters': { maxChars: MAX_GRAPH_JSON_CHARS },
    'quests[].distributor_parameters': { maxChars: MAX_GRAPH_JSON_CHARS },
    'quests[].meta.as_account': { maxChars: 256 },
    attempts: { maxItems: 1000 },
    'attempts[].quest': { maxChars: 64 },
    dependencies: { maxItems: 1000 },
    'dependencies[].quest': { maxChars: 64 },
    ...prefixed('for_execution', EXECUTION_AUTH),
    // A display name of at most 128 code points (checked by normalizeQuestDesc): 256 UTF-16 units.
    'quests[].name': { maxChars: 256 },
    // One entry per attempt of `attempts`, each with at most 64 needs (1000 edges in all, checked
    // by the service).
    needs: { maxItems: 1000 },
    'needs[].attempt.quest': { maxChars: 64 },
    'needs[].needs': { maxItems: 64 },
    'needs[].needs[].quest': { maxChars: 64 },
    'run.name': { maxChars: 128 },
    'run.steps': { maxItems: 1000 },
    'run.steps[].name': { maxChars: 64 },
    'run.steps[].attempt.quest': { maxChars: 64 },
    'run.steps[].needs': { maxItems: 64 },
    'run.steps[].needs[]': { maxChars: 64 },
  },
  'Graph.ActivateExecution': {
    ...prefixed('auth', EXECUTION_AUTH),
    execution_token: { maxBytes: 256 },
  },
  'Graph.FinishAttempt': {
    ...prefixed('auth', EXECUTION_AUTH),
    'data.object': { maxChars: MAX_GRAPH_JSON_CHARS },
  },
  'Graph.WalkGraph': {
    ...prefixed('auth', EXECUTION_AUTH),
    'query.attempt_list': { maxItems: 1000 },
    'query.attempt_list[].quest': { maxChars: 64 },
    'query.attempt_range': { maxItems: 1000 },
    'query.attempt_range[].quest': { maxChars: 64 },
  },
  'Graph.ListRuns': { name_glob: { maxChars: 128 }, cursor: { maxChars: 64 } },
  'Graph.GetRun': { run: { maxChars: 128 } },
  'BotApi.Connect': {
    'hello.bot_id': { maxChars: 128 },
    ...prefixed('hello', BOT_DIMENSIONS),
    ...prefixed('hello.state', BOT_HEALTH),
    'hello.version': { maxChars: 128 },
    'hello.running': { maxItems: 64 },
    'hello.running[].task_id': { maxChars: 128 },
    'hello.running[].lease_id': { maxChars: 128 },
    ...prefixed('heartbeat', BOT_DIMENSIONS),
    ...prefixed('heartbeat.state', BOT_HEALTH),
    'task_started.task_id': { maxChars: 128 },
    'task_started.lease_id': { maxChars: 128 },
    'output.task_id': { maxChars: 128 },
    'output.lease_id': { maxChars: 128 },
    'output.data': { maxBytes: MAX_OUTPUT_CHUNK_BYTES },
    'task_finished.task_id': { maxChars: 128 },
    'task_finished.lease_id': { maxChars: 128 },
    'task_finished.client_error': { maxChars: 4096 },
    // The bot uploads none past 1000 files (apps/bot output-files.ts MAX_OUTPUT_FILES).
    'task_finished.outputs': { maxItems: 1000 },
    'task_finished.outputs[].path': { maxChars: 1024 },
    'task_finished.outputs[].digest': { maxChars: 64 },
    'task_finished.outputs_note': { maxChars: 4096 },
  },
  'BotApi.UploadOutputs': {
    ...BOT_ID,
    ...TASK_ID,
    lease_id: { maxChars: 128 },
    path: { maxChars: 1024 },
    data: { maxBytes: MAX_OUTPUT_CHUNK_BYTES },
    digest: { maxChars: 64 },
  },
  'BotApi.GetBotCode': { version: { maxChars: 128 } },
  // Service Access (access.proto): the maps and name shapes are checked by its handler
  // (ACCESS_LIMITS); output-only fields (updated, updated_by) are ignored.
  'Access.CreateToken': {
    kind: { maxChars: 16 },
    subject: { maxChars: ACCESS_LIMITS.nameChars },
    ...ACCESS_DESCRIPTION,
  },
  'Access.ListTokens': { subject: { maxChars: ACCESS_LIMITS.nameChars } },
  'Access.RevokeToken': { id: { maxChars: 256 } },
  'Access.PutPrincipal': { ...ACCESS_NAME, ...ACCESS_DESCRIPTION },
  'Access.DeletePrincipal': ACCESS_NAME,
  'Access.PutBotGroup': {
    ...ACCESS_NAME,
    ...ACCESS_DESCRIPTION,
    bot_ids: { maxItems: ACCESS_LIMITS.botIds },
    'bot_ids[]': { maxChars: 128 },
    dimensions: { maxItems: ACCESS_LIMITS.dimensions },
    'dimensions[].key': { maxChars: ACCESS_LIMITS.dimensionKeyChars },
    'dimensions[].values': { maxItems: ACCESS_LIMITS.dimensionValues },
    'dimensions[].values[]': { maxChars: ACCESS_LIMITS.dimensionValueChars },
  },
  'Access.DeleteBotGroup': ACCESS_NAME,
  // The audit log's filters (apps/coordinator/src/audit/audit-service.ts checks limit and shapes).
  'Access.ListAudit': {
    principal: { maxChars: 256 },
    action: { maxChars: 128 },
    cursor: { maxChars: 64 },
  },
  // Service Cas (cas.proto): a digest's hash is 64 hex characters (checked by the handler).
  'Cas.FindMissing': {
    digests: { maxItems: MAX_CAS_FIND_MISSING },
    'digests[].hash': { maxChars: 64 },
  },
  'Cas.Upload': { 'digest.hash': { maxChars: 64 }, data: { maxBytes: MAX_CAS_CHUNK_BYTES } },
  'Cas.Download': { 'digest.hash': { maxChars: 64 } },
};

/**
 * The most bytes a whole request message of an RPC may take, whatever its fields: the field
 * limits bound what each field holds, this bounds what one request costs to decode, validate
 * and store (a NewTask is stored whole and read back on every GetRequest). The largest NewTask
 * is checked, hashed and stored in a few tens of milliseconds (nothing a client sends
 * may block the coordinator's event loop for more than about 50 ms).
 */
export const REQUEST_MAX_BYTES: Readonly<Record<string, number>> = {
  // Measured (largest-request.test.ts): decoding, validating, hashing and storing one of these
  // takes the SQLite store tens of milliseconds; SQLite's commit of the stored request is most.
  'Tasks.NewTask': 256 * 1024,
  // Four of the largest NewTask, or a thousand tasks of 1 KiB (a command line, a pool, a few
  // tags): a batch costs what its bytes cost to store, and 16 MiB would block the event loop for
  // seconds. A client with bigger tasks sends smaller batches.
  'Tasks.NewTasks': 1024 * 1024,
  'Tasks.BatchGetResult': 256 * 1024,
  'Graph.EnsureGraphData': 1024 * 1024,
  'Graph.FinishAttempt': 512 * 1024,
  // An Output or an UploadOutputs chunk: 1 MiB of data plus ids.
  'BotApi.Connect': MAX_OUTPUT_CHUNK_BYTES + 64 * 1024,
  'BotApi.UploadOutputs': MAX_OUTPUT_CHUNK_BYTES + 64 * 1024,
  // 10000 digests of about 80 bytes each; an Upload chunk is 1 MiB of data and its digest.
  'Cas.FindMissing': 1024 * 1024,
  'Cas.Upload': MAX_CAS_CHUNK_BYTES + 64 * 1024,
};

/** REQUEST_MAX_BYTES of an RPC not named there. */
export const DEFAULT_REQUEST_MAX_BYTES = 256 * 1024;

/**
 * The most bytes one request message may take on the wire: the gRPC server's max receive size,
 * past which grpc-js answers RESOURCE_EXHAUSTED without decoding. It is the largest valid message
 * of any RPC — a bot's Output or an UploadOutputs chunk, 1 MiB of data plus its ids.
 */
export const MAX_REQUEST_BYTES = Math.max(
  DEFAULT_REQUEST_MAX_BYTES,
  ...Object.values(REQUEST_MAX_BYTES),
);

/** The most bytes a request of `rpc` may take (REQUEST_MAX_BYTES). */
export function requestMaxBytes(rpc: string): number {
  return REQUEST_MAX_BYTES[rpc] ?? DEFAULT_REQUEST_MAX_BYTES;
}

/** A field over its limit: `field` with indices (`task_slices[0].properties.command[3]`). */
export interface LimitViolation {
  readonly field: string;
  readonly problem: string;
  /**
   * `out-of-range`: a 64-bit integer beyond 2^53-1 (request-scan.ts), answered OUT_OF_RANGE;
   * absent: a size or count over its limit, answered INVALID_ARGUMENT.
   */
  readonly kind?: 'out-of-range';
}

/**
 * The first field of `message` (a request of `rpc`, decoded by proto-loader) over its limit, or
 * undefined. Walks the whole message once: its cost is linear in its size.
 */
export function findLimitViolation(rpc: string, message: unknown): LimitViolation | undefined {
  return walk(limitTree(rpc), message, []);
}

/**
 * REQUEST_LIMITS of one RPC as a tree the walks follow field by field, so that checking a
 * field builds no path string; the field's name is spelled only for a violation.
 */
export interface LimitNode {
  /** This field's limit; undefined: DEFAULT_FIELD_LIMITS. */
  readonly limit: FieldLimit | undefined;
  /** Fields of the message this field holds, by name. */
  readonly fields: ReadonlyMap<string, LimitNode>;
  /** Each element of this repeated field. */
  readonly items: LimitNode;
}

/** A field the table says nothing about, nor about anything under it. */
const UNLISTED: LimitNode = { limit: undefined, fields: new Map(), items: undefined as never };
(UNLISTED as { items: LimitNode }).items = UNLISTED;

const trees = new Map<string, LimitNode>();

/** The tree of `rpc`'s limits (REQUEST_LIMITS; an RPC not there has every field unlisted). */
export function limitTree(rpc: string): LimitNode {
  let tree = trees.get(rpc);
  if (tree === undefined) {
    tree = buildLimitTree(REQUEST_LIMITS[rpc] ?? {});
    trees.set(rpc, tree);
  }
  return tree;
}

interface MutableNode {
  limit: FieldLimit | undefined;
  fields: Map<string, MutableNode>;
  items: MutableNode | undefined;
}

function buildLimitTree(table: Readonly<Record<string, FieldLimit>>): LimitNode {
  const root: MutableNode = { limit: undefined, fields: new Map(), items: undefined };
  for (const [path, limit] of Object.entries(table)) {
    let node = root;
    for (const part of path.split('.')) {
      const name = part.replace(/(\[\])+$/, '');
      let child = node.fields.get(name);
      if (child === undefined) {
        child = { limit: undefined, fields: new Map(), items: undefined };
        node.fields.set(name, child);
      }
      node = child;
      for (let depth = (part.length - name.length) / 2; depth > 0; depth--) {
        node.items ??= { limit: undefined, fields: new Map(), items: undefined };
        node = node.items;
      }
    }
    node.limit = limit;
  }
  return freeze(root);
}

function freeze(node: MutableNode): LimitNode {
  return {
    limit: node.limit,
    fields: new Map([...node.fields].map(([name, child]) => [name, freeze(child)])),
    items: node.items === undefined ? UNLISTED : freeze(node.items),
  };
}

/** The field `fields.get(name)` of `node`, or UNLISTED. */
export function limitField(node: LimitNode, name: string): LimitNode {
  return node.fields.get(name) ?? UNLISTED;
}

/**
 * A field's path as violations name it, from the names and indices walked to it:
 * `task_slices[0].properties.command[3]`.
 */
export function fieldPath(trail: readonly (string | number)[]): string {
  let out = '';
  for (const step of trail) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/** `trail` is the path walked to `value`, pushed and popped as the walk goes. */
function walk(
  node: LimitNode,
  value: unknown,
  trail: (string | number)[],
): LimitViolation | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const max = node.limit?.maxChars ?? DEFAULT_FIELD_LIMITS.maxChars;
    return value.length > max
      ? { field: fieldPath(trail), problem: `at most ${max} characters, got ${value.length}` }
      : undefined;
  }
  if (value instanceof Uint8Array) {
    const max = node.limit?.maxBytes ?? DEFAULT_FIELD_LIMITS.maxBytes;
    return value.length > max
      ? { field: fieldPath(trail), problem: `at most ${max} bytes, got ${value.length}` }
      : undefined;
  }
  if (Array.isArray(value)) {
    const max = node.limit?.maxItems ?? DEFAULT_FIELD_LIMITS.maxItems;
    if (value.length > max) {
      return { field: fieldPath(trail), problem: `at most ${max} items, got ${value.length}` };
    }
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      const v = walk(node.items, value[i], trail);
      trail.pop();
      if (v !== undefined) return v;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      trail.push(key);
      const found = walk(limitField(node, key), record[key], trail);
      trail.pop();
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
