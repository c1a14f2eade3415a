// Pipeline files (`drover graph run`): YAML or JSON naming steps, each a command run as a graph
// quest, with `needs:` between them. Pure: the caller reads the file. Every problem names the step
// it is in (`steps[1] (b): needs "x": no such step`) and nothing is returned when there is one, so
// a bad file creates nothing. The steps come back in topological order, each with the Quest.Desc
// it runs as and that desc's quest id (computed with the coordinator's own normalizeQuestDesc and
// questId): a step's parameters hold the quest ids of the steps it needs, so changing a step
// changes the id of every step after it, and a stale result is never reused for changed inputs.
import type { QuestDescWire } from '@drover/protocol';
import { QUEST_TIMEOUT_LIMITS, normalizeQuestDesc, questId } from '@drover/state';
import { parseTag } from './args';

/** A step's name: also its quest's display name and its results' file name in DROVER_DEPS_DIR. */
export const STEP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A run's name (Run.name). */
export const RUN_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** EnsureGraphData takes at most 64 quests, and a pipeline's steps are sent in one call. */
export const MAX_STEPS = 64;
/** AttemptNeeds.needs holds at most 64 attempts. */
export const MAX_NEEDS = 64;
/** The distributor of a file that names none: the coordinator's built-in one. */
export const DEFAULT_DISTRIBUTOR = 'drover';
/** What a step's task runs: the wrapper (`drover graph step`), then the step's command. */
export const STEP_WRAPPER = ['drover', 'graph', 'step', '--'] as const;

/** Keys a step, or `defaults`, may hold (defaults: all but name and needs). */
export const STEP_KEYS = [
  'name',
  'needs',
  'command',
  'dimensions',
  'env',
  'timeout',
  'expiration',
  'grace',
  'io-timeout',
  'priority',
  'tags',
  'caches',
  'cwd',
  'wait-for-capacity',
  'retry',
  'params',
] as const;
const DEFAULT_KEYS: readonly string[] = STEP_KEYS.filter((k) => k !== 'name' && k !== 'needs');
const TOP_KEYS = ['name', 'distributor', 'defaults', 'steps'] as const;
const RETRY_KEYS = ['failed', 'crashed', 'expired', 'timed_out'] as const;
const MAX_UINT32 = 0xffff_ffff;
const CACHE_NAME = /^[a-z0-9_]{1,128}$/;

type RetryKey = (typeof RETRY_KEYS)[number];

/** One step, ready to be sent: its quest and what it needs. */
export interface PipelineStep {
  readonly name: string;
  /** Its position in the file. */
  readonly index: number;
  /** The names of the steps it needs, as the file lists them (duplicates dropped). */
  readonly needs: readonly string[];
  /** The Quest.Desc it runs as (proto field names), as EnsureGraphData takes it. */
  readonly desc: QuestDescWire;
  /** questId of the normalized desc: what the coordinator will compute for it. */
  readonly questId: string;
}

export interface Pipeline {
  /** The run's name: `--name`, else the file's `name`, else the file's name without extension. */
  readonly name: string;
  /** Every step, each after the steps it needs (file order where the needs allow). */
  readonly steps: readonly PipelineStep[];
}

export type PipelineRead = { ok: true; pipeline: Pipeline } | { ok: false; errors: string[] };

export interface PipelineOptions {
  /** The file's path or name: the run's default name is its base name without extension. */
  readonly fileName: string;
  /** `--name`: the run's name, over the file's. */
  readonly runName?: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A step's fields once read (defaults and the step's own, merged later). */
interface StepFields {
  command?: string[];
  dimensions?: Record<string, string | string[]>;
  env?: Record<string, string>;
  timeout?: number;
  expiration?: number;
  grace?: number;
  ioTimeout?: number;
  priority?: number;
  tags?: string[];
  caches?: string[];
  cwd?: string;
  waitForCapacity?: boolean;
  retry?: Partial<Record<RetryKey, number>>;
  params?: unknown;
}

/** Collects problems, each `where: problem`. */
class Problems {
  readonly list: string[] = [];
  add(where: string, problem: string): undefined {
    this.list.push(where === '' ? problem : `${where}: ${problem}`);
    return undefined;
  }
}

/** `prefix: key` (a step's problems start with `steps[i] (name)`). */
const at = (prefix: string, key: string) => (prefix === '' ? key : `${prefix}: ${key}`);

/**
 * The pipeline a file holds (its text already parsed: parseTaskFileText), checked in full: keys,
 * types, names, needs, cycles, then each step's quest as the coordinator would normalize it.
 */
export function readPipelineFile(data: unknown, opts: PipelineOptions): PipelineRead {
  const problems = new Problems();
  if (!isObject(data)) {
    problems.add('', 'must be a pipeline: a mapping with steps (and optionally name, defaults)');
    return { ok: false, errors: problems.list };
  }
  for (const key of Object.keys(data)) {
    if (!(TOP_KEYS as readonly string[]).includes(key))
      problems.add(key, unknownKey(key, TOP_KEYS));
  }
  const name = runName(data, opts, problems);
  let distributor = DEFAULT_DISTRIBUTOR;
  if (data.distributor !== undefined) {
    if (typeof data.distributor === 'string' && data.distributor !== '')
      distributor = data.distributor;
    else problems.add('distributor', 'must be the name of a distributor (a string)');
  }
  let defaults: StepFields = {};
  if (data.defaults !== undefined) {
    if (!isObject(data.defaults)) problems.add('defaults', 'must be a mapping of step keys');
    else {
      for (const key of Object.keys(data.defaults)) {
        if (!DEFAULT_KEYS.includes(key)) {
          const why =
            key === 'name' || key === 'needs'
              ? 'belongs to a step, not to defaults'
              : unknownKey(key, DEFAULT_KEYS);
          problems.add(at('defaults', key), why);
        }
      }
      defaults = readFields(data.defaults, 'defaults', problems);
    }
  }

  const raw = data.steps;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add('steps', 'must be a non-empty list of steps');
    return { ok: false, errors: problems.list };
  }
  if (raw.length > MAX_STEPS) problems.add('steps', `at most ${MAX_STEPS}, got ${raw.length}`);

  interface Read {
    name: string;
    index: number;
    where: string;
    needs: string[];
    fields: StepFields;
  }
  const read: Read[] = [];
  const byName = new Map<string, Read>();
  raw.forEach((value, index) => {
    const where = stepWhere(value, index);
    if (!isObject(value)) {
      problems.add(where, 'must be a step (a mapping with name and command)');
      return;
    }
    for (const key of Object.keys(value)) {
      if (!(STEP_KEYS as readonly string[]).includes(key))
        problems.add(at(where, key), unknownKey(key, STEP_KEYS));
    }
    const stepName = value.name;
    let nameOk = false;
    if (stepName === undefined) problems.add(where, 'name is required');
    else if (typeof stepName !== 'string' || !STEP_NAME.test(stepName)) {
      problems.add(
        at(where, 'name'),
        `${JSON.stringify(stepName)} is not a step name ([A-Za-z0-9_.-], 1 to 64 characters)`,
      );
    } else if (byName.has(stepName)) {
      problems.add(
        at(where, 'name'),
        `${JSON.stringify(stepName)} is also the name of steps[${byName.get(stepName)!.index}]`,
      );
    } else nameOk = true;
    const needs = readNeeds(value.needs, where, problems);
    const own = readFields(value, where, problems);
    const fields = mergeFields(defaults, own);
    const defaultsHaveCommand = isObject(data.defaults) && data.defaults.command !== undefined;
    if (value.command === undefined && !defaultsHaveCommand) {
      problems.add(where, 'command is required (a list: [make, test], or a string run by sh -c)');
    }
    const step: Read = { name: nameOk ? (stepName as string) : '', index, where, needs, fields };
    read.push(step);
    if (nameOk) byName.set(step.name, step);
  });
  if (problems.list.length > 0) return { ok: false, errors: problems.list };

  for (const step of read) {
    for (const need of step.needs) {
      if (need === step.name) problems.add(at(step.where, `needs "${need}"`), 'the step itself');
      else if (!byName.has(need)) problems.add(at(step.where, `needs "${need}"`), 'no such step');
    }
  }
  if (problems.list.length > 0) return { ok: false, errors: problems.list };
  const cycle = findCycle(read);
  if (cycle !== undefined) {
    problems.add('steps', `a cycle ${cycle.join(' → ')}`);
    return { ok: false, errors: problems.list };
  }

  const ids = new Map<string, string>();
  const steps: PipelineStep[] = [];
  for (const step of topologicalOrder(read)) {
    const needIds: Record<string, string> = {};
    for (const need of step.needs) needIds[need] = ids.get(need)!;
    const desc = questDesc(step.name, distributor, step.fields, needIds);
    const normalized = normalizeQuestDesc({
      name: desc.name ?? '',
      distributorConfigName: desc.distributor_config_name ?? '',
      parameters: desc.parameters ?? '',
      distributorParameters: desc.distributor_parameters ?? '',
      meta: {
        asAccount: '',
        retry: {
          failed: desc.meta?.retry?.failed ?? 0,
          crashed: desc.meta?.retry?.crashed ?? 0,
          expired: desc.meta?.retry?.expired ?? 0,
          timedOut: desc.meta?.retry?.timed_out ?? 0,
        },
        timeouts: {
          start: desc.meta?.timeouts?.start ?? 0,
          run: desc.meta?.timeouts?.run ?? 0,
          stop: desc.meta?.timeouts?.stop ?? 0,
        },
      },
    });
    if ('error' in normalized) {
      problems.add(step.where, normalized.message);
      continue;
    }
    const id = questId(normalized.ok);
    ids.set(step.name, id);
    steps.push({ name: step.name, index: step.index, needs: step.needs, desc, questId: id });
  }
  if (problems.list.length > 0) return { ok: false, errors: problems.list };
  return { ok: true, pipeline: { name: name ?? '', steps } };
}

/** `steps[i] (name)`, or `steps[i]` while the step has no usable name. */
function stepWhere(value: unknown, index: number): string {
  const name = isObject(value) ? value.name : undefined;
  return typeof name === 'string' && STEP_NAME.test(name)
    ? `steps[${index}] (${name})`
    : `steps[${index}]`;
}

function runName(data: Obj, opts: PipelineOptions, problems: Problems): string | undefined {
  const check = (name: string, where: string, hint: string) =>
    RUN_NAME.test(name)
      ? name
      : problems.add(
          where,
          `${JSON.stringify(name)} is not a run name ([A-Za-z0-9_.-], 1 to 128 characters)${hint}`,
        );
  if (opts.runName !== undefined) return check(opts.runName, '--name', '');
  if (data.name !== undefined) {
    if (typeof data.name !== 'string') return problems.add('name', 'must be a string');
    return check(data.name, 'name', '');
  }
  const base = opts.fileName.split(/[\\/]/).pop() ?? opts.fileName;
  const dot = base.lastIndexOf('.');
  return check(
    dot > 0 ? base.slice(0, dot) : base,
    'name',
    ' (the file name without extension: give the file a name: key, or --name)',
  );
}

function unknownKey(key: string, known: readonly string[]): string {
  return `unknown key ${JSON.stringify(key)} (known: ${known.join(', ')})`;
}

function readNeeds(value: unknown, where: string, problems: Problems): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
    problems.add(at(where, 'needs'), 'must be a list of step names');
    return [];
  }
  const needs = [...new Set(list as string[])];
  if (needs.length > MAX_NEEDS) problems.add(at(where, 'needs'), `at most ${MAX_NEEDS} steps`);
  return needs;
}

/** The typed fields of a step or of `defaults` (unknown keys are the caller's). */
function readFields(obj: Obj, where: string, problems: Problems): StepFields {
  const f: StepFields = {};
  const here = (key: string) => at(where, key);
  const has = (key: string) => obj[key] !== undefined;

  if (has('command')) {
    const c = obj.command;
    if (typeof c === 'string' && c.trim() !== '') f.command = ['/bin/sh', '-c', c];
    else if (Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'string'))
      f.command = c as string[];
    else problems.add(here('command'), 'must be a non-empty list of strings, or a string (sh -c)');
  }
  if (has('dimensions')) {
    const d = stringMap(obj.dimensions, here('dimensions'), problems, true);
    if (d !== undefined) f.dimensions = d as Record<string, string | string[]>;
  }
  if (has('env')) {
    const e = stringMap(obj.env, here('env'), problems, false);
    if (e !== undefined) f.env = e as Record<string, string>;
  }
  const timeouts = [
    ['timeout', 'timeout', QUEST_TIMEOUT_LIMITS.run],
    ['expiration', 'expiration', QUEST_TIMEOUT_LIMITS.start],
    ['grace', 'grace', QUEST_TIMEOUT_LIMITS.stop],
  ] as const;
  for (const [key, field, limits] of timeouts) {
    if (has(key)) {
      const n = wholeNumber(obj[key], limits.min, limits.max, here(key), problems, ' seconds');
      if (n !== undefined) f[field] = n;
    }
  }
  if (has('io-timeout')) {
    const n = wholeNumber(obj['io-timeout'], 0, 2 ** 31 - 1, here('io-timeout'), problems, ' s');
    if (n !== undefined) f.ioTimeout = n;
  }
  if (has('priority')) {
    const n = wholeNumber(obj.priority, 1, 255, here('priority'), problems, '');
    if (n !== undefined) f.priority = n;
  }
  if (has('tags')) {
    const tags = obj.tags;
    if (!Array.isArray(tags)) problems.add(here('tags'), 'must be a list of key:value');
    else {
      f.tags = [];
      tags.forEach((t, i) => {
        if (typeof t !== 'string') return problems.add(`${here('tags')}[${i}]`, 'must be a string');
        const parsed = parseTag(t);
        if (!parsed.ok) return problems.add(`${here('tags')}[${i}]`, parsed.message);
        f.tags!.push(parsed.value);
        return undefined;
      });
    }
  }
  if (has('caches')) {
    const caches = readCaches(obj.caches, here('caches'), problems);
    if (caches !== undefined) f.caches = caches;
  }
  if (has('cwd')) {
    if (typeof obj.cwd === 'string') f.cwd = obj.cwd;
    else problems.add(here('cwd'), 'must be a string (a path relative to the task directory)');
  }
  if (has('wait-for-capacity')) {
    const w = obj['wait-for-capacity'];
    if (typeof w === 'boolean') f.waitForCapacity = w;
    else problems.add(here('wait-for-capacity'), 'must be true or false');
  }
  if (has('retry')) {
    const r = obj.retry;
    if (!isObject(r)) problems.add(here('retry'), 'must be a mapping: {failed: 2, crashed: 1}');
    else {
      f.retry = {};
      for (const [key, value] of Object.entries(r)) {
        if (!(RETRY_KEYS as readonly string[]).includes(key)) {
          problems.add(here(`retry.${key}`), unknownKey(key, RETRY_KEYS));
          continue;
        }
        const n = wholeNumber(value, 0, MAX_UINT32, here(`retry.${key}`), problems, '');
        if (n !== undefined) f.retry[key as RetryKey] = n;
      }
    }
  }
  if (has('params')) {
    const bad = nonJson(obj.params);
    if (bad === undefined) f.params = obj.params;
    else problems.add(here(`params${bad}`), 'not a JSON value');
  }
  return f;
}

function wholeNumber(
  v: unknown,
  min: number,
  max: number,
  where: string,
  problems: Problems,
  unit: string,
): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  return problems.add(where, `must be a whole number from ${min} to ${max}${unit}, got ${show(v)}`);
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** `{key: "value"}`; with `lists`, a non-empty list of values repeats the key (dimensions). */
function stringMap(
  v: unknown,
  where: string,
  problems: Problems,
  lists: boolean,
): Record<string, string | string[]> | undefined {
  if (!isObject(v)) return problems.add(where, 'must be a mapping of names to values');
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(v)) {
    if (typeof value === 'string') out[key] = value;
    else if (
      lists &&
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((x) => typeof x === 'string')
    )
      out[key] = value as string[];
    else {
      // A YAML 3.10 is the number 3.1: quoting is the only way to be sure of the text.
      const hint =
        typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${value}")` : '';
      problems.add(
        `${where}.${key}`,
        `must be a string${lists ? ' or a list of strings' : ''}${hint}`,
      );
    }
  }
  return out;
}

/** `[name:path, …]` (or `name=path`), or `{name: path}`: each as `name:path`. */
function readCaches(v: unknown, where: string, problems: Problems): string[] | undefined {
  const entries: Array<[string, unknown, string]> = [];
  if (Array.isArray(v)) {
    v.forEach((c, i) => {
      const here = `${where}[${i}]`;
      if (typeof c !== 'string') return problems.add(here, 'must be a string name:path');
      const sep = c.search(/[:=]/);
      if (sep < 0) return problems.add(here, 'expected name:path (e.g. npm:.npm)');
      entries.push([c.slice(0, sep), c.slice(sep + 1), here]);
      return undefined;
    });
  } else if (isObject(v)) {
    for (const [name, path] of Object.entries(v)) entries.push([name, path, `${where}.${name}`]);
  } else return problems.add(where, 'must be a list of name:path');
  const out: string[] = [];
  for (const [name, path, here] of entries) {
    if (!CACHE_NAME.test(name))
      problems.add(here, `${JSON.stringify(name)} is not a cache name ([a-z0-9_]{1,128})`);
    else if (typeof path !== 'string' || path === '' || path.startsWith('/'))
      problems.add(here, 'the path must be relative to the task directory');
    else out.push(`${name}:${path}`);
  }
  return out;
}

/** Where in `v` a value JSON cannot hold is ('' for `v` itself), or undefined when none is. */
function nonJson(v: unknown, path = ''): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const bad = nonJson(x, `${path}[${i}]`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      const bad = nonJson(x, `${path}.${k}`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  return path;
}

/** `defaults` under a step: the step's own values win; maps (dimensions, env, retry, params) merge by key. */
function mergeFields(defaults: StepFields, own: StepFields): StepFields {
  const merged: StepFields = { ...defaults, ...own };
  if (defaults.dimensions !== undefined || own.dimensions !== undefined)
    merged.dimensions = { ...defaults.dimensions, ...own.dimensions };
  if (defaults.env !== undefined || own.env !== undefined)
    merged.env = { ...defaults.env, ...own.env };
  if (defaults.retry !== undefined || own.retry !== undefined)
    merged.retry = { ...defaults.retry, ...own.retry };
  if (isObject(defaults.params) && isObject(own.params))
    merged.params = { ...defaults.params, ...own.params };
  return merged;
}

/** The first cycle among the steps' needs, as names from a step back to itself; or undefined. */
function findCycle(
  steps: ReadonlyArray<{ name: string; needs: readonly string[] }>,
): string[] | undefined {
  const needs = new Map(steps.map((s) => [s.name, s.needs]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const need of needs.get(name) ?? []) {
      const cycle = visit(need);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of steps) {
    const cycle = visit(s.name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** Every step after the steps it needs; among the ready ones, the file's order. Acyclic input. */
function topologicalOrder<T extends { name: string; needs: readonly string[] }>(steps: T[]): T[] {
  const done = new Set<string>();
  const order: T[] = [];
  while (order.length < steps.length) {
    const next = steps.find((s) => !done.has(s.name) && s.needs.every((n) => done.has(n)));
    if (next === undefined) throw new Error('topologicalOrder: a cycle');
    done.add(next.name);
    order.push(next);
  }
  return order;
}

/** A step's command as its task runs it: through the step wrapper. */
export function wrappedCommand(command: readonly string[]): string[] {
  return [...STEP_WRAPPER, ...command];
}

/**
 * The Quest.Desc a step runs as: the wrapper around its command in distributor_parameters, its
 * timeouts and retry counts in meta, `{"needs": {step: quest id}, "params": …}` as parameters.
 */
function questDesc(
  name: string,
  distributor: string,
  f: StepFields,
  needs: Record<string, string>,
): QuestDescWire {
  const params: Record<string, unknown> = { command: wrappedCommand(f.command ?? []) };
  if (f.dimensions !== undefined) params.dimensions = f.dimensions;
  if (f.env !== undefined) params.env = f.env;
  if (f.ioTimeout !== undefined) params.io_timeout = f.ioTimeout;
  if (f.priority !== undefined) params.priority = f.priority;
  if (f.tags !== undefined) params.tags = f.tags;
  if (f.caches !== undefined) params.caches = f.caches;
  if (f.cwd !== undefined) params.relative_cwd = f.cwd;
  if (f.waitForCapacity !== undefined) params.wait_for_capacity = f.waitForCapacity;
  return {
    name,
    distributor_config_name: distributor,
    parameters: JSON.stringify({ needs, params: f.params ?? {} }),
    distributor_parameters: JSON.stringify(params),
    meta: {
      as_account: '',
      retry: {
        failed: f.retry?.failed ?? 0,
        crashed: f.retry?.crashed ?? 0,
        expired: f.retry?.expired ?? 0,
        timed_out: f.retry?.timed_out ?? 0,
      },
      timeouts: { start: f.expiration ?? 0, run: f.timeout ?? 0, stop: f.grace ?? 0 },
    },
  };
}
