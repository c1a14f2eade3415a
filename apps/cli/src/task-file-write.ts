// A stored TaskRequest written as a task file (`drover get-request ID --yaml`), which
// `drover submit --file` reads back into the same request. Pure.
import { stringify } from 'yaml';
import { PARENT_TAG_KEY } from '@drover/protocol';
import type { TaskPropertiesOut, TaskRequestOut, TaskSliceOut } from '@drover/protocol';
import { PROPERTY_KEYS, SLICE_KEYS } from './task-file';

type FileValue = string | number | boolean | string[] | Record<string, string | string[]>;
type FileObject = Record<string, FileValue | FileObject[]>;

/** `{key: value}`, a key given more than once (AND) as a list of its values, in order met. */
function grouped(
  pairs: ReadonlyArray<{ key: string; value: string }>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const { key, value } of pairs) {
    const had = out[key];
    out[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}

/**
 * One slice's keys. Values the coordinator stored with its defaults applied (timeouts,
 * expiration) are always written, so that the file's own defaults never replace them.
 */
function sliceKeys(slice: TaskSliceOut): Record<string, FileValue> {
  const p: TaskPropertiesOut = slice.properties ?? {
    command: [],
    env: [],
    env_prefixes: [],
    relative_cwd: '',
    dimensions: [],
    idempotent: false,
    caches: [],
    cas_input_root: null,
  };
  const keys: Record<string, FileValue | undefined> = {
    command: [...p.command],
    dimensions: grouped(p.dimensions),
    env: p.env.length > 0 ? Object.fromEntries(p.env.map((e) => [e.key, e.value])) : undefined,
    'env-prefixes':
      p.env_prefixes.length > 0
        ? Object.fromEntries(p.env_prefixes.map((e) => [e.key, [...e.value]]))
        : undefined,
    cwd: p.relative_cwd === '' ? undefined : p.relative_cwd,
    'input-digest':
      p.cas_input_root && p.cas_input_root.hash !== ''
        ? `${p.cas_input_root.hash}/${p.cas_input_root.size_bytes}`
        : undefined,
    timeout: p.execution_timeout_secs,
    'io-timeout': p.io_timeout_secs ?? 0,
    grace: p.grace_period_secs,
    idempotent: p.idempotent ? true : undefined,
    caches:
      p.caches.length > 0 ? Object.fromEntries(p.caches.map((c) => [c.name, c.path])) : undefined,
    'memory-limit': p.memory_limit_bytes,
    'pids-limit': p.pids_limit,
    'cpu-weight': p.cpu_weight,
    'bot-ping-tolerance': p.bot_ping_tolerance_secs,
    expiration: slice.expiration_secs,
    'wait-for-capacity': slice.wait_for_capacity ? true : undefined,
  };
  return Object.fromEntries(
    Object.entries(keys).filter((e): e is [string, FileValue] => e[1] !== undefined),
  );
}

/**
 * The task file of a stored request. Keys every slice shares are written once at the top (the
 * file's defaults for every slice), the rest under `slices`. Left out: the ids and timestamps,
 * `request-uuid` (submitting it again would only return the old task), and the
 * `parent_task_id:` tag (the coordinator adds it for `parent`).
 */
export function requestToTaskFile(request: TaskRequestOut): FileObject {
  const file: FileObject = { name: request.name, user: request.user };
  file.priority = request.priority;
  const tags = request.tags.filter((t) => !t.startsWith(`${PARENT_TAG_KEY}:`));
  if (tags.length > 0) file.tags = tags;
  if (request.parent_task_id !== '') file.parent = request.parent_task_id;
  if (request.notify && request.notify.url !== '') {
    file['notify-url'] = request.notify.url;
    if (request.notify.userdata !== '') file['notify-userdata'] = request.notify.userdata;
  }
  const slices = request.task_slices.map(sliceKeys);
  const order = [...PROPERTY_KEYS, ...SLICE_KEYS] as readonly string[];
  const shared = order.filter((key) => {
    const first = JSON.stringify(slices[0]?.[key]);
    return slices.every((s) => JSON.stringify(s[key]) === first);
  });
  for (const key of shared) {
    const value = slices[0]?.[key];
    if (value !== undefined) file[key] = value;
  }
  if (slices.length > 1) {
    file.slices = slices.map((s) =>
      Object.fromEntries(
        order.flatMap((k) => (shared.includes(k) || !(k in s) ? [] : [[k, s[k]]])),
      ),
    ) as FileObject[];
  }
  return file;
}

/** The YAML text of a task file. */
export function taskFileYaml(file: FileObject): string {
  return stringify(file, { lineWidth: 0 });
}

/**
 * Why a written file cannot give back exactly what was asked: a notify URL whose credentials
 * the coordinator hid must have them put back by hand; secret bytes are never returned.
 */
export function taskFileCaveats(request: TaskRequestOut): string[] {
  const caveats: string[] = [];
  const url = request.notify?.url ?? '';
  if (url.includes('***@'))
    caveats.push(
      'notify-url: the coordinator hid its credentials (***): put them back before submitting',
    );
  if (request.has_secret_bytes)
    caveats.push(
      'the task had secret bytes, which the coordinator never returns: ' +
        'submit the file with --secret-file <file> to give them again',
    );
  return caveats;
}
