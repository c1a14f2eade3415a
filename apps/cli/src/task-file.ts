// Task files (`drover submit --file`): YAML or JSON holding one task or a list, with one key per
// submit option, read into NewTaskRequests. Pure: the caller reads the file and the environment.
// Every problem is reported with the path of the value at fault (`tasks[3].slices[0].dimensions`)
// and nothing is returned to submit, so a bad file submits no task at all.
import { parseDocument } from 'yaml';
import { InvalidArgumentError, validateNewTask, type NewTaskRequestOut } from '@drover/protocol';
import type { NewTaskRequest, TaskProperties, TaskSlice } from '@drover/protocol';
import { isAbsolute, resolve } from 'node:path';
import { parseTag } from './args';
import { parseDigestText } from './cas-walk';
import { parseCache } from './cache-arg';
import {
  parseBotPingTolerance,
  parseCpuWeight,
  parseMemoryLimit,
  parsePidsLimit,
} from './limit-args';

/**
 * io-timeout when a file gives none: submit's DEFAULT_IO_TIMEOUT_SECS (a test holds them equal;
 * importing it would make an import cycle, as submit.ts calls this module for `--file`).
 */
export const FILE_DEFAULT_IO_TIMEOUT_SECS = 1200;

/** Keys of one slice's TaskProperties, each named after its submit option. */
export const PROPERTY_KEYS = [
  'command',
  'dimensions',
  'env',
  'env-prefixes',
  'cwd',
  'input',
  'input-digest',
  'timeout',
  'io-timeout',
  'grace',
  'idempotent',
  'caches',
  'memory-limit',
  'pids-limit',
  'cpu-weight',
  'bot-ping-tolerance',
] as const;
/** Keys of a TaskSlice besides its properties. */
export const SLICE_KEYS = ['expiration', 'wait-for-capacity'] as const;
/** Keys of the task as a whole; at the top of a task, every slice key may appear too. */
export const TASK_KEYS = [
  'name',
  'user',
  'priority',
  'tags',
  'parent',
  'request-uuid',
  'notify-url',
  'notify-userdata',
  'slices',
] as const;

const SLICE_KEY_SET: ReadonlySet<string> = new Set<string>([...PROPERTY_KEYS, ...SLICE_KEYS]);
const TASK_KEY_SET: ReadonlySet<string> = new Set<string>([...TASK_KEYS, ...SLICE_KEY_SET]);

export interface TaskFileOptions {
  /** `--env-expand`: replace `${NAME}` in every string with this environment's NAME. */
  readonly expandEnv?: Readonly<Record<string, string | undefined>>;
  /** Defaults as for `drover submit`: `$USER`, and `$DROVER_TASK_ID` as the parent. */
  readonly caller: { user: string | undefined; parentTaskId: string | undefined };
  /** The file's directory: `input` paths are relative to it (absent: left as written). */
  readonly baseDir?: string;
}

/** An `input` directory of a slice, to upload before submitting (its tree the slice's root). */
export interface TaskFileInput {
  readonly task: number;
  readonly slice: number;
  /** The directory (resolved against baseDir). */
  readonly dir: string;
  /** Where the file says it: `tasks[1].input`. */
  readonly at: string;
}

export type TaskFileRead =
  | { ok: true; requests: NewTaskRequest[]; inputs: TaskFileInput[] }
  | { ok: false; errors: string[] };

interface PendingInput {
  readonly slice: TaskSlice;
  readonly dir: string;
  readonly at: string;
}

/** The text of a task file as data: JSON for a `.json` file, YAML otherwise (YAML holds JSON). */
export function parseTaskFileText(
  text: string,
  fileName: string,
): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  if (fileName.toLowerCase().endsWith('.json')) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, errors: [`not valid JSON: ${(err as Error).message}`] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    return { ok: false, errors: doc.errors.map((e) => `not valid YAML: ${e.message}`) };
  return { ok: true, value: doc.toJS() as unknown };
}

const at = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems, each `path: problem`, while the file is read. */
class Problems {
  readonly list: string[] = [];
  add(path: string, problem: string): undefined {
    this.list.push(path === '' ? problem : `${path}: ${problem}`);
    return undefined;
  }
}

/**
 * The NewTaskRequests a task file holds: a mapping is one task, `{tasks: [...]}` or a list is
 * several. Checked here (shape, types, then the coordinator's own rules from
 * validate-new-task.ts), so that every problem names its place in the file.
 */
export function readTaskFile(data: unknown, opts: TaskFileOptions): TaskFileRead {
  const problems = new Problems();
  const expanded = opts.expandEnv === undefined ? data : expand(data, '', opts.expandEnv, problems);
  let items: Array<{ path: string; value: unknown }>;
  if (Array.isArray(expanded)) {
    items = expanded.map((value, i) => ({ path: `[${i}]`, value }));
  } else if (isObject(expanded) && 'tasks' in expanded) {
    const extra = Object.keys(expanded).filter((k) => k !== 'tasks');
    for (const k of extra) problems.add(k, 'unknown key beside tasks (each task holds its own)');
    const tasks = expanded.tasks;
    items = Array.isArray(tasks) ? tasks.map((value, i) => ({ path: `tasks[${i}]`, value })) : [];
    if (!Array.isArray(tasks)) problems.add('tasks', 'must be a list of tasks');
  } else {
    items = [{ path: '', value: expanded }];
  }
  if (items.length === 0 && problems.list.length === 0) problems.add('', 'the file holds no task');
  const requests: NewTaskRequest[] = [];
  const pending: PendingInput[] = [];
  const context: ReadContext = { caller: opts.caller, baseDir: opts.baseDir, pending, problems };
  for (const { path, value } of items) {
    const request = readTask(value, path, context);
    if (request !== undefined) requests.push(request);
  }
  if (problems.list.length > 0) return { ok: false, errors: problems.list };
  const inputs: TaskFileInput[] = [];
  requests.forEach((request, task) =>
    (request.task_slices ?? []).forEach((slice, i) => {
      const found = pending.find((p) => p.slice === slice);
      if (found !== undefined) inputs.push({ task, slice: i, dir: found.dir, at: found.at });
    }),
  );
  return { ok: true, requests, inputs };
}

const EXPANSION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `${NAME}` → the variable's value in every string (keys stay as written); `$$` → `$`. */
function expand(
  value: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: Problems,
): unknown {
  if (typeof value === 'string') {
    return value.replace(EXPANSION, (whole, name: string | undefined) => {
      if (name === undefined) return '$';
      const v = env[name];
      if (v === undefined) problems.add(path, `\${${name}} is not set (--env-expand)`);
      return v ?? whole;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expand(v, `${path}[${i}]`, env, problems));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expand(v, at(path, k), env, problems)]),
    );
  }
  return value;
}

/** What reading every task shares. */
interface ReadContext {
  readonly caller: TaskFileOptions['caller'];
  readonly baseDir: string | undefined;
  /** Slices with an `input` directory, found as they are read. */
  readonly pending: PendingInput[];
  readonly problems: Problems;
}

function readTask(value: unknown, path: string, context: ReadContext): NewTaskRequest | undefined {
  const { caller, problems } = context;
  if (!isObject(value)) return problems.add(path, 'must be a task (a mapping of keys to values)');
  const before = problems.list.length;
  for (const key of Object.keys(value)) {
    if (!TASK_KEY_SET.has(key)) problems.add(at(path, key), unknownKey(key, TASK_KEY_SET));
  }
  const r = new ValueReader(value, path, problems);
  const request: NewTaskRequest = {
    name: r.string('name') ?? '',
    tags: r.list('tags', (v, p) => checked(r.stringAt(v, p), parseTag, p, problems)) ?? [],
    user: r.string('user') ?? caller.user ?? '',
    task_slices: [],
  };
  const priority = r.integer('priority', 1, 255);
  if (priority !== undefined) request.priority = priority;
  const parent = value.parent;
  if (parent === false || parent === null) request.parent_task_id = '';
  else request.parent_task_id = r.string('parent') ?? caller.parentTaskId ?? '';
  const uuid = r.string('request-uuid');
  if (uuid !== undefined) request.request_uuid = uuid;
  const notifyUrl = r.string('notify-url');
  const userdata = r.string('notify-userdata');
  // The URL itself is checked with the coordinator's rules below.
  if (notifyUrl !== undefined) request.notify = { url: notifyUrl, userdata: userdata ?? '' };
  else if (userdata !== undefined) {
    problems.add(at(path, 'notify-userdata'), 'needs notify-url');
  }

  const slices = value.slices;
  if (slices === undefined) {
    request.task_slices = [readSlice(value, {}, path, path, context)];
  } else if (!Array.isArray(slices) || slices.length === 0) {
    problems.add(at(path, 'slices'), 'must be a non-empty list of slices');
  } else {
    request.task_slices = slices.map((s, i) => {
      const slicePath = `${at(path, 'slices')}[${i}]`;
      if (!isObject(s)) {
        problems.add(slicePath, 'must be a slice (a mapping of keys to values)');
        return { properties: null };
      }
      for (const key of Object.keys(s)) {
        if (!SLICE_KEY_SET.has(key)) {
          const why = TASK_KEY_SET.has(key)
            ? 'belongs to the task, not to a slice'
            : unknownKey(key, SLICE_KEY_SET);
          problems.add(at(slicePath, key), why);
        }
      }
      return readSlice(value, s, path, slicePath, context);
    });
  }
  if (problems.list.length > before) return undefined;
  const server = serverProblem(request);
  if (server === undefined) return request;
  return problems.add(fileField(server.field, path, slices !== undefined), server.problem);
}

function unknownKey(key: string, known: ReadonlySet<string>): string {
  return `unknown key ${JSON.stringify(key)} (known: ${[...known].join(', ')})`;
}

/** A slice: the task's top-level keys are every slice's defaults, the slice's own keys win. */
function readSlice(
  task: Obj,
  own: Obj,
  taskPath: string,
  slicePath: string,
  context: ReadContext,
): TaskSlice {
  const { problems } = context;
  const merged: Obj = {};
  const paths = new Map<string, string>();
  // A slice naming its own input (either key) does not take the task's (either key).
  const ownInput = Object.hasOwn(own, 'input') || Object.hasOwn(own, 'input-digest');
  for (const key of SLICE_KEY_SET) {
    if (ownInput && (key === 'input' || key === 'input-digest') && !Object.hasOwn(own, key))
      continue;
    const fromSlice = Object.hasOwn(own, key);
    const v = fromSlice ? own[key] : task[key];
    if (v === undefined) continue;
    merged[key] = v;
    paths.set(key, at(fromSlice ? slicePath : taskPath, key));
  }
  const r = new ValueReader(merged, '', problems, paths);
  const properties: TaskProperties = {
    command: r.list('command', (v, p) => r.stringAt(v, p)) ?? [],
    dimensions: r.pairs('dimensions', true),
    env: r.pairs('env', false),
    env_prefixes: r
      .map('env-prefixes', (v, p) => r.listAt(v, p, (item, ip) => r.stringAt(item, ip)))
      .map(([key, value]) => ({ key, value })),
    io_timeout_secs: r.integer('io-timeout', 0) ?? FILE_DEFAULT_IO_TIMEOUT_SECS,
    idempotent: r.boolean('idempotent') ?? false,
  };
  if (!Object.hasOwn(merged, 'command'))
    problems.add(slicePath, 'command is required (a list: [make, test])');
  const cwd = r.string('cwd');
  if (cwd !== undefined) properties.relative_cwd = cwd;
  const caches = r.map('caches', (v, p) => r.stringAt(v, p));
  if (caches.length > 0) {
    properties.caches = caches.flatMap(([name, cachePath]) => {
      const cache = checked(`${name}=${cachePath}`, parseCache, r.path('caches'), problems);
      return cache === undefined ? [] : [{ ...cache }];
    });
  }
  const timeout = r.integer('timeout', 0);
  if (timeout !== undefined) properties.execution_timeout_secs = timeout;
  const grace = r.integer('grace', 0);
  if (grace !== undefined) properties.grace_period_secs = grace;
  const memory = r.limit('memory-limit', parseMemoryLimit, true);
  if (memory !== undefined) properties.memory_limit_bytes = memory;
  const pids = r.limit('pids-limit', parsePidsLimit, false);
  if (pids !== undefined) properties.pids_limit = pids;
  const cpu = r.limit('cpu-weight', parseCpuWeight, false);
  if (cpu !== undefined) properties.cpu_weight = cpu;
  const tolerance = r.limit('bot-ping-tolerance', parseBotPingTolerance, false);
  if (tolerance !== undefined) properties.bot_ping_tolerance_secs = tolerance;
  const input = r.string('input');
  const inputDigest = checked(
    r.string('input-digest'),
    parseDigestText,
    r.path('input-digest'),
    problems,
  );
  if (input !== undefined && Object.hasOwn(merged, 'input-digest'))
    problems.add(r.path('input'), 'give input or input-digest, not both');
  else if (inputDigest !== undefined)
    properties.cas_input_root = { hash: inputDigest.hash, size_bytes: inputDigest.size };
  if (input === '') problems.add(r.path('input'), 'must not be empty');
  const slice: TaskSlice = {
    properties,
    wait_for_capacity: r.boolean('wait-for-capacity') ?? false,
  };
  if (input !== undefined && input !== '') {
    const dir =
      context.baseDir === undefined || isAbsolute(input) ? input : resolve(context.baseDir, input);
    context.pending.push({ slice, dir, at: r.path('input') });
  }
  const expiration = r.integer('expiration', 1);
  if (expiration !== undefined) slice.expiration_secs = expiration;
  return slice;
}

/** A parser's verdict on a value, its message added at `path` when it fails. */
function checked<T>(
  text: string | undefined,
  parse: (text: string) => { ok: true; value: T } | { ok: false; message: string },
  path: string,
  problems: Problems,
): T | undefined {
  if (text === undefined) return undefined;
  const parsed = parse(text);
  return parsed.ok ? parsed.value : problems.add(path, parsed.message);
}

/** Typed reads of one mapping's keys, each problem added with the key's path in the file. */
class ValueReader {
  constructor(
    private readonly obj: Obj,
    private readonly base: string,
    private readonly problems: Problems,
    private readonly paths: ReadonlyMap<string, string> = new Map(),
  ) {}

  path(key: string): string {
    return this.paths.get(key) ?? at(this.base, key);
  }

  string(key: string): string | undefined {
    const v = this.obj[key];
    return v === undefined ? undefined : this.stringAt(v, this.path(key));
  }

  stringAt(v: unknown, path: string): string | undefined {
    if (typeof v === 'string') return v;
    // A YAML 3.10 is the number 3.1: quoting is the only way to be sure of the text.
    const hint = typeof v === 'number' || typeof v === 'boolean' ? ` (quote it: "${v}")` : '';
    return this.problems.add(path, `must be a string${hint}`);
  }

  integer(key: string, min: number, max = 2 ** 31 - 1): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    return this.problems.add(this.path(key), `must be a whole number from ${min} to ${max}`);
  }

  boolean(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || typeof v === 'boolean') return v;
    return this.problems.add(this.path(key), 'must be true or false');
  }

  /** A resource limit: a whole number, or (`sizes`) a size like `512MiB`. */
  limit(
    key: string,
    parse: (text: string) => { ok: true; value: number } | { ok: false; message: string },
    sizes: boolean,
  ): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if ((typeof v === 'number' && Number.isInteger(v)) || (sizes && typeof v === 'string'))
      return checked(String(v), parse, this.path(key), this.problems);
    return this.problems.add(
      this.path(key),
      sizes ? 'must be a size (512MiB) or bytes' : 'must be a whole number',
    );
  }

  list<T>(key: string, item: (v: unknown, path: string) => T | undefined): T[] | undefined {
    const v = this.obj[key];
    return v === undefined ? undefined : this.listAt(v, this.path(key), item);
  }

  listAt<T>(v: unknown, path: string, item: (v: unknown, path: string) => T | undefined): T[] {
    if (!Array.isArray(v)) {
      this.problems.add(path, 'must be a list');
      return [];
    }
    return v.flatMap((x, i) => {
      const got = item(x, `${path}[${i}]`);
      return got === undefined ? [] : [got];
    });
  }

  map<T>(key: string, item: (v: unknown, path: string) => T | undefined): Array<[string, T]> {
    const v = this.obj[key];
    if (v === undefined) return [];
    const path = this.path(key);
    if (!isObject(v)) {
      this.problems.add(path, 'must be a mapping of keys to values');
      return [];
    }
    return Object.entries(v).flatMap(([k, x]) => {
      const got = item(x, at(path, k));
      return got === undefined ? [] : [[k, got] as [string, T]];
    });
  }

  /** `{key: value}`; with `repeatable` a list of values is the key repeated (AND). */
  pairs(key: string, repeatable: boolean): Array<{ key: string; value: string }> {
    return this.map(key, (v, p) =>
      repeatable && Array.isArray(v)
        ? this.listAt(v, p, (x, xp) => this.stringAt(x, xp))
        : this.stringAt(v, p),
    ).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key: k, value })));
  }
}

/** The coordinator's own check (validate-new-task.ts) of a request, before anything is sent. */
function serverProblem(request: NewTaskRequest): { field: string; problem: string } | undefined {
  try {
    validateNewTask(asReceived(request));
    return undefined;
  } catch (err) {
    if (!(err instanceof InvalidArgumentError)) throw err;
    const field = err.field ?? '';
    const prefix = `${field}: `;
    const problem = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return { field, problem };
  }
}

/** The request as the coordinator's gRPC edge would decode it (every field present). */
function asReceived(request: NewTaskRequest): NewTaskRequestOut {
  return {
    name: request.name ?? '',
    tags: request.tags ?? [],
    user: request.user ?? '',
    request_uuid: request.request_uuid ?? '',
    parent_task_id: request.parent_task_id ?? '',
    notify: request.notify
      ? { url: request.notify.url ?? '', userdata: request.notify.userdata ?? '' }
      : null,
    priority: request.priority,
    properties: null,
    task_slices: (request.task_slices ?? []).map((s) => {
      const p = s.properties ?? {};
      return {
        wait_for_capacity: s.wait_for_capacity ?? false,
        expiration_secs: s.expiration_secs,
        properties: {
          command: p.command ?? [],
          env: (p.env ?? []).map((e) => ({ key: e.key ?? '', value: e.value ?? '' })),
          env_prefixes: (p.env_prefixes ?? []).map((e) => ({
            key: e.key ?? '',
            value: e.value ?? [],
          })),
          relative_cwd: p.relative_cwd ?? '',
          dimensions: (p.dimensions ?? []).map((e) => ({ key: e.key ?? '', value: e.value ?? '' })),
          execution_timeout_secs: p.execution_timeout_secs,
          io_timeout_secs: p.io_timeout_secs,
          grace_period_secs: p.grace_period_secs,
          idempotent: p.idempotent ?? false,
          caches: (p.caches ?? []).map((c) => ({ name: c.name ?? '', path: c.path ?? '' })),
          memory_limit_bytes:
            p.memory_limit_bytes === undefined ? undefined : Number(p.memory_limit_bytes),
          pids_limit: p.pids_limit,
          cpu_weight: p.cpu_weight,
          bot_ping_tolerance_secs: p.bot_ping_tolerance_secs,
          cas_input_root: p.cas_input_root
            ? {
                hash: p.cas_input_root.hash ?? '',
                size_bytes: Number(p.cas_input_root.size_bytes ?? 0),
              }
            : null,
        },
      };
    }),
    secret_bytes: Buffer.from(request.secret_bytes ?? Buffer.alloc(0)),
  };
}

/** The coordinator's field names (snake_case, proto) → the task file's keys. */
const FILE_KEYS: Record<string, string> = {
  request_uuid: 'request-uuid',
  parent_task_id: 'parent',
  notify: 'notify-url',
  'notify.url': 'notify-url',
  'notify.userdata': 'notify-userdata',
  expiration_secs: 'expiration',
  wait_for_capacity: 'wait-for-capacity',
  env_prefixes: 'env-prefixes',
  relative_cwd: 'cwd',
  cas_input_root: 'input-digest',
  execution_timeout_secs: 'timeout',
  io_timeout_secs: 'io-timeout',
  grace_period_secs: 'grace',
  memory_limit_bytes: 'memory-limit',
  pids_limit: 'pids-limit',
  cpu_weight: 'cpu-weight',
  bot_ping_tolerance_secs: 'bot-ping-tolerance',
};

/**
 * Where in the file a field the coordinator's check named is: `task_slices[1].properties.env[0].key`
 * → `tasks[2].slices[1].env` (or `tasks[2].env` when the file has no `slices`).
 */
export function fileField(field: string, taskPath: string, hasSlices: boolean): string {
  const slice = /^task_slices\[(\d+)\](?:\.properties)?(?:\.([a-z_]+))?/.exec(field);
  if (slice !== null) {
    const key = slice[2] === undefined ? '' : (FILE_KEYS[slice[2]] ?? slice[2]);
    const base = hasSlices ? `${at(taskPath, 'slices')}[${slice[1]}]` : taskPath;
    return key === '' ? base || 'slices' : at(base, key);
  }
  const top = /^[a-z_]+(?:\.[a-z_]+)?/.exec(field)?.[0] ?? field;
  const rest = field.slice(top.length);
  return at(taskPath, (FILE_KEYS[top] ?? top) + (top === 'tags' ? rest : ''));
}
