// Pure parsers for option values. Each returns data; `optionParser` adapts one to commander,
// which reports a failure as a usage error naming the option.
import { InvalidArgumentError } from 'commander';
import type { StateQueryWire } from '@drover/protocol';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** A key and a value, both present (StringPair's fields are optional for senders). */
export interface KeyValue {
  key: string;
  value: string;
}

/** `key=value` → a dimension. The value may hold `=` and `|` (OR); neither side may be empty. */
export function parseDimension(text: string): Parsed<KeyValue> {
  const eq = text.indexOf('=');
  if (eq < 0) return fail('expected key=value, e.g. pool=default');
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (key === '') return fail('the key before = is empty');
  if (value === '') return fail(`the value of ${key} is empty`);
  return ok({ key, value });
}

/** `key:value` → a tag, kept as the text. */
export function parseTag(text: string): Parsed<string> {
  const colon = text.indexOf(':');
  if (colon < 0) return fail('expected key:value');
  if (colon === 0) return fail('the key before : is empty');
  return ok(text);
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `KEY=VALUE` → an environment variable; the value may be empty. */
export function parseEnvVar(text: string): Parsed<KeyValue> {
  const eq = text.indexOf('=');
  if (eq < 0) return fail('expected KEY=VALUE');
  const key = text.slice(0, eq);
  if (!ENV_KEY.test(key))
    return fail(`${JSON.stringify(key)} is not a variable name ([A-Za-z_][A-Za-z0-9_]*)`);
  return ok({ key, value: text.slice(eq + 1) });
}

/** A whole number ≥ 0, written in decimal digits only. */
export function parseCount(text: string): Parsed<number> {
  if (!/^\d+$/.test(text)) return fail('expected a whole number ≥ 0');
  const value = Number(text);
  return value > 2 ** 31 - 1 ? fail('too large') : ok(value);
}

/** Adapts a parser to a commander option that takes one value. */
export function optionParser<T>(parse: (text: string) => Parsed<T>): (text: string) => T {
  return (text) => {
    const parsed = parse(text);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
    return parsed.value;
  };
}

/** Adapts a parser to a repeatable commander option that collects into an array. */
export function repeatableParser<T>(
  parse: (text: string) => Parsed<T>,
): (text: string, previous: T[] | undefined) => T[] {
  const one = optionParser(parse);
  return (text, previous) => [...(previous ?? []), one(text)];
}

/** `drover tasks --state` names → the StateQuery sent (Swarming's QUERY_* values). */
export const STATE_QUERIES = {
  pending: 'QUERY_PENDING',
  running: 'QUERY_RUNNING',
  pending_running: 'QUERY_PENDING_RUNNING',
  completed: 'QUERY_COMPLETED',
  completed_success: 'QUERY_COMPLETED_SUCCESS',
  completed_failure: 'QUERY_COMPLETED_FAILURE',
  expired: 'QUERY_EXPIRED',
  timed_out: 'QUERY_TIMED_OUT',
  bot_died: 'QUERY_BOT_DIED',
  canceled: 'QUERY_CANCELED',
  killed: 'QUERY_KILLED',
  no_resource: 'QUERY_NO_RESOURCE',
  client_error: 'QUERY_CLIENT_ERROR',
  deduped: 'QUERY_DEDUPED',
  all: 'QUERY_ALL',
} as const satisfies Record<string, StateQueryWire>;

export type StateName = keyof typeof STATE_QUERIES;

/** A `--state` name, any case (`completed`, `PENDING_RUNNING`) → its StateQuery. */
export function parseStateName(text: string): Parsed<StateQueryWire> {
  const name = text.toLowerCase();
  if (Object.hasOwn(STATE_QUERIES, name)) return ok(STATE_QUERIES[name as StateName]);
  return fail(`expected one of ${Object.keys(STATE_QUERIES).join(', ')}`);
}

/** Largest page ListTasks serves (DESIGN.md §4). */
export const MAX_PAGE_SIZE = 1000;

/** A page size: 1..1000. */
export function parseLimit(text: string): Parsed<number> {
  const n = parseCount(text);
  if (!n.ok || n.value < 1 || n.value > MAX_PAGE_SIZE)
    return fail(`expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+[smhdw])+$/;
/**
 * A length of time (`90s`, `15m`, `2h`, `30d`, `1w`, or a sum like `1h30m`) in seconds, more than
 * 0.
 */
export function parseDurationSecs(text: string): Parsed<number> {
  if (!DURATION.test(text)) return fail('expected a duration (90s, 15m, 2h, 30d, 1w, 1h30m)');
  let ms = 0;
  for (const [, digits, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
    ms += Number(digits) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
  }
  if (ms === 0) return fail('must be longer than 0');
  return ok(Math.floor(ms / 1000));
}

const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time as `--since`/`--until` take it, in ms since the epoch: a duration before
 * `nowMs` (`90s`, `15m`, `2h`, `7d`, `1w`, or a sum like `1h30m`), or an ISO 8601 date or date
 * and time (`2024-05-01`, `2024-05-01T12:00:00Z`; without an offset: local time, as
 * `Date.parse` reads it).
 */
export function parseTimePoint(text: string, nowMs: number): Parsed<number> {
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, digits, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
      ms += Number(digits) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
    }
    return ok(nowMs - ms);
  }
  if (DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ok(ms);
  }
  return fail(
    'expected a duration ago (30m, 2h, 7d, 1h30m) or an ISO date/time (2024-05-01T12:00:00Z)',
  );
}

/** One `--fallback`: the expiration of its slice, and how its dimensions differ from `-d`'s. */
export interface FallbackSpec {
  /** expiration_secs of the slice; undefined = the server's default. */
  readonly expirationSecs: number | undefined;
  /** `key=value` edits: these keys get these values instead of the primary slice's. */
  readonly set: readonly KeyValue[];
  /** `-key` edits: the primary slice's `key` dimensions are left out. */
  readonly drop: readonly string[];
}

const EXPIRATION_PREFIX = /^(\d+):/;

/**
 * `[SECS:]EDIT[,EDIT...]` → a fallback slice. EDIT is `key=value` (the slice needs key=value
 * instead of what `-d` gave for key; repeat the key for AND, `a|b` is OR) or `-key` (the slice
 * does not need key at all). SECS is the slice's expiration_secs. Dimension keys never start
 * with a digit, so a leading `digits:` is always the expiration. `pool` cannot be changed.
 */
export function parseFallback(text: string): Parsed<FallbackSpec> {
  let rest = text;
  let expirationSecs: number | undefined;
  const prefix = EXPIRATION_PREFIX.exec(text);
  if (prefix !== null) {
    const secs = parseCount(prefix[1] as string);
    if (!secs.ok) return fail(`expiration ${prefix[1]}: ${secs.message}`);
    expirationSecs = secs.value;
    rest = text.slice(prefix[0].length);
  }
  if (rest === '')
    return fail('expected [SECS:]key=value[,key=value|-key...], e.g. 600:gpu=none or -caches');
  const set: KeyValue[] = [];
  const drop: string[] = [];
  for (const edit of rest.split(',')) {
    let key: string;
    if (edit.startsWith('-')) {
      key = edit.slice(1);
      if (key === '') return fail('"-" must be followed by the key to leave out');
      drop.push(key);
    } else {
      const dimension = parseDimension(edit);
      if (!dimension.ok) return fail(`${JSON.stringify(edit)}: ${dimension.message}`);
      key = dimension.value.key;
      set.push(dimension.value);
    }
    if (key === 'pool')
      return fail('the pool is the same in every slice: a fallback cannot change it');
  }
  const both = drop.find((key) => set.some((d) => d.key === key));
  if (both !== undefined) return fail(`${both} is both set and left out`);
  return ok({ expirationSecs, set, drop });
}

/**
 * The dimensions of a fallback slice: the primary's, with each key the fallback sets replaced
 * (in place of its first occurrence; new keys at the end) and each key it drops removed.
 */
export function applyFallback(
  primary: readonly KeyValue[],
  fallback: FallbackSpec,
): Parsed<KeyValue[]> {
  const missing = fallback.drop.find((key) => !primary.some((d) => d.key === key));
  if (missing !== undefined) return fail(`-${missing}: no -d ${missing}=… to leave out`);
  const setKeys = new Set(fallback.set.map((d) => d.key));
  const result: KeyValue[] = [];
  const placed = new Set<string>();
  for (const d of primary) {
    if (fallback.drop.includes(d.key)) continue;
    if (!setKeys.has(d.key)) {
      result.push({ ...d });
      continue;
    }
    if (placed.has(d.key)) continue;
    placed.add(d.key);
    result.push(...fallback.set.filter((s) => s.key === d.key).map((s) => ({ ...s })));
  }
  result.push(...fallback.set.filter((s) => !placed.has(s.key)).map((s) => ({ ...s })));
  return ok(result);
}
