// Canonical JSON (graph/canonical-json.ts) and JsonResult normalization: every case is data.
import { describe, expect, it } from 'vitest';
import {
  MAX_RESULT_BYTES,
  canonicalJsonObject,
  compareUtf8,
  normalizeJsonResult,
  resultSatisfies,
  utf8Length,
  withheldResult,
} from '../../src/index';

const CANONICAL_CASES: readonly { name: string; input: string; output: string }[] = [
  { name: 'sorts keys', input: '{"b":1,"a":2,"c":3}', output: '{"a":2,"b":1,"c":3}' },
  {
    name: 'sorts keys of nested objects, keeps array order',
    input: '{"z":{"y":[3,{"b":1,"a":0},1],"x":null},"a":{}}',
    output: '{"a":{},"z":{"x":null,"y":[3,{"a":0,"b":1},1]}}',
  },
  {
    name: 'drops whitespace between tokens, keeps it in strings',
    input: ' \n\t{ "a b" : [ 1 , 2 ] ,\r\n "c" : " x " } \n',
    output: '{"a b":[1,2],"c":" x "}',
  },
  {
    name: 'keeps numbers as written',
    input: '{"a":1.0,"b":-0,"c":1e5,"d":1E+5,"e":1e400,"f":12345678901234567890,"g":0.1e-7}',
    output: '{"a":1.0,"b":-0,"c":1e5,"d":1E+5,"e":1e400,"f":12345678901234567890,"g":0.1e-7}',
  },
  {
    name: 'keeps true, false and null',
    input: '{"t":true,"f":false,"n":null}',
    output: '{"f":false,"n":null,"t":true}',
  },
  {
    name: 'decodes needless escapes',
    input: '{"s":"caf\\u00e9 \\/ \\u0041"}',
    output: '{"s":"café / A"}',
  },
  {
    name: 'escapes control characters one way',
    input: '{"s":"\\u000a\\n\\t\\u0001\\b\\f\\r\\"\\\\"}',
    output: '{"s":"\\n\\n\\t\\u0001\\b\\f\\r\\"\\\\"}',
  },
  {
    name: 'keeps a surrogate pair, escapes a lone surrogate',
    input: '{"pair":"\\ud83d\\ude00","lone":"\\ud800"}',
    output: '{"lone":"\\ud800","pair":"😀"}',
  },
  {
    name: 'lets the last duplicate key win',
    input: '{"a":1,"b":2,"a":3}',
    output: '{"a":3,"b":2}',
  },
  {
    name: 'sorts keys by UTF-8 bytes, not UTF-16 code units',
    // U+FF61 is one UTF-16 unit (0xFF61) but sorts before U+1F600 (0xD83D…) in UTF-8.
    input: '{"😀":1,"｡":2,"é":3,"Z":4,"a":5}',
    output: '{"Z":4,"a":5,"é":3,"｡":2,"😀":1}',
  },
  { name: 'accepts the empty object', input: '{}', output: '{}' },
];

const INVALID_CASES: readonly { name: string; input: string }[] = [
  { name: 'empty input', input: '' },
  { name: 'trailing garbage', input: '{"a":1} x' },
  { name: 'two objects', input: '{}{}' },
  { name: 'a trailing comma', input: '{"a":1,}' },
  { name: 'a single-quoted string', input: "{'a':1}" },
  { name: 'an unquoted key', input: '{a:1}' },
  { name: 'a leading zero', input: '{"a":01}' },
  { name: 'a bare dot', input: '{"a":1.}' },
  { name: 'a plus sign', input: '{"a":+1}' },
  { name: 'NaN', input: '{"a":NaN}' },
  { name: 'a raw newline in a string', input: '{"a":"x\ny"}' },
  { name: 'a bad escape', input: '{"a":"\\x"}' },
  { name: 'a short \\u escape', input: '{"a":"\\u12"}' },
  { name: 'an unterminated string', input: '{"a":"abc' },
  { name: 'an unclosed object', input: '{"a":[1,2]' },
  { name: 'nesting past the depth limit', input: `{"a":${'['.repeat(300)}${']'.repeat(300)}}` },
];

const NOT_OBJECT_CASES: readonly { input: string; kind: string }[] = [
  { input: '[1,2]', kind: 'an array' },
  { input: '42', kind: 'a number' },
  { input: '"x"', kind: 'a string' },
  { input: 'null', kind: 'a null' },
  { input: ' true ', kind: 'a boolean' },
];

describe('canonicalJsonObject', () => {
  for (const c of CANONICAL_CASES) {
    it(`${c.name}`, () => {
      const outcome = canonicalJsonObject(c.input, 'parameters');
      expect(outcome).toEqual({ ok: { text: c.output, bytes: Buffer.byteLength(c.output) } });
      // Canonical text is a fixed point.
      expect(canonicalJsonObject(c.output, 'parameters')).toEqual(outcome);
    });
  }

  for (const c of INVALID_CASES) {
    it(`refuses ${c.name} as invalid JSON naming the field`, () => {
      const outcome = canonicalJsonObject(c.input, 'parameters');
      expect(outcome).toEqual({
        error: 'invalid-json',
        field: 'parameters',
        message: expect.stringMatching(/^parameters: invalid JSON: .* at offset \d+$/) as string,
      });
    });
  }

  for (const c of NOT_OBJECT_CASES) {
    it(`refuses ${c.kind} as not an object`, () => {
      expect(canonicalJsonObject(c.input, 'distributor_parameters')).toEqual({
        error: 'not-an-object',
        field: 'distributor_parameters',
        message: `distributor_parameters: must be one JSON object, got ${c.kind}`,
      });
    });
  }

  it('accepts exactly the byte limit and refuses one byte more', () => {
    const object = (n: number) => `{"a":"${'x'.repeat(n - 8)}"}`;
    expect(canonicalJsonObject(object(100), 'f', 100)).toEqual({
      ok: { text: object(100), bytes: 100 },
    });
    expect(canonicalJsonObject(object(101), 'f', 100)).toMatchObject({ error: 'too-large' });
  });

  it('measures the limit on the normalized form, not on the input', () => {
    const padded = `{${' '.repeat(1000)}"a" : 1 }`;
    expect(canonicalJsonObject(padded, 'f', 7)).toEqual({ ok: { text: '{"a":1}', bytes: 7 } });
  });
});

describe('compareUtf8 and utf8Length', () => {
  it('orders by code point and counts UTF-8 bytes', () => {
    expect(['😀', '｡', 'a', 'ab', ''].sort(compareUtf8)).toEqual(['', 'a', 'ab', '｡', '😀']);
    expect(utf8Length('aé｡😀')).toBe(1 + 2 + 3 + 4);
  });
});

describe('normalizeJsonResult', () => {
  it('normalizes the object and reports its size', () => {
    expect(normalizeJsonResult('{ "b": 1, "a": "é" }', null)).toEqual({
      ok: { object: '{"a":"é","b":1}', size: 16, expiresAtMs: null },
    });
  });

  it('refuses a result past 262144 normalized bytes, naming the field', () => {
    const big = `{"a":"${'x'.repeat(MAX_RESULT_BYTES)}"}`;
    expect(normalizeJsonResult(big, null)).toMatchObject({
      error: 'too-large',
      field: 'data.object',
    });
    const exact = `{"a":"${'x'.repeat(MAX_RESULT_BYTES - 8)}"}`;
    expect(normalizeJsonResult(exact, null)).toMatchObject({ ok: { size: MAX_RESULT_BYTES } });
  });

  it('refuses a result that is not one object', () => {
    expect(normalizeJsonResult('[]', null)).toMatchObject({ error: 'not-an-object' });
  });

  it('satisfies a dependency until its expiration, not at it', () => {
    const r = { object: '{}', size: 2, expiresAtMs: 1_000 };
    expect(resultSatisfies(r, 999)).toBe(true);
    expect(resultSatisfies(r, 1_000)).toBe(false);
    expect(resultSatisfies({ ...r, expiresAtMs: null }, Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('keeps the size when the object is withheld', () => {
    expect(withheldResult({ object: '{"a":1}', size: 7, expiresAtMs: null })).toEqual({
      object: '',
      size: 7,
      expiresAtMs: null,
    });
  });
});
