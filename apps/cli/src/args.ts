// Pure parsers for option values. Each returns data; `optionParser` adapts one to commander,
// which reports a failure as a usage error naming the option.
import { InvalidArgumentError } from 'commander';
import type { StringPair } from '@drover/protocol';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** `key=value` → a dimension. The value may hold `=` and `|` (OR); neither side may be empty. */
export function parseDimension(text: string): Parsed<StringPair> {
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
export function parseEnvVar(text: string): Parsed<StringPair> {
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
