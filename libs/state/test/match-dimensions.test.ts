// Dimension matching (DESIGN.md §2): a repeated key means AND, a value `a|b` means OR, a bot
// dimension may hold several values.
import { describe, expect, it } from 'vitest';
import {
  countOrCombinations,
  expandOrDimensions,
  matchesDimensions,
  toDimensionMap,
  type KeyValue,
} from '../src/index';

/** `os=Linux` → { key: 'os', value: 'Linux' }. */
function dims(...pairs: string[]): KeyValue[] {
  return pairs.map((p) => {
    const at = p.indexOf('=');
    return { key: p.slice(0, at), value: p.slice(at + 1) };
  });
}

function flat(sets: readonly (readonly KeyValue[])[]): string[][] {
  return sets.map((set) => set.map((d) => `${d.key}=${d.value}`));
}

const BOT = toDimensionMap([
  { key: 'os', values: ['Linux', 'Linux-Debian', 'Linux-Debian-12'] },
  { key: 'pool', values: ['ci'] },
  { key: 'cpu', values: ['x86', 'x86-64'] },
  { key: 'gpu', values: ['none'] },
  { key: 'id', values: ['bot-1'] },
]);

const SHOULD_MATCH: readonly { why: string; requested: string[] }[] = [
  { why: 'any bot with an empty request', requested: [] },
  { why: 'a single pair the bot has', requested: ['pool=ci'] },
  { why: 'one of several values of a multi-valued key', requested: ['os=Linux-Debian'] },
  {
    why: 'a repeated key whose values the bot all has (AND)',
    requested: ['os=Linux', 'os=Linux-Debian'],
  },
  { why: 'the second alternative of an OR', requested: ['os=Windows|Linux'] },
  { why: 'the first alternative of an OR', requested: ['os=Linux|Windows'] },
  { why: 'an OR of three', requested: ['os=Mac|Windows|Linux-Debian-12'] },
  { why: 'several keys with ORs', requested: ['pool=ci', 'os=Windows|Linux', 'cpu=arm64|x86'] },
  {
    why: 'a repeated key mixing a plain value and an OR',
    requested: ['os=Linux', 'os=Mac|Linux-Debian'],
  },
  { why: 'the same pair twice', requested: ['pool=ci', 'pool=ci'] },
];

const SHOULD_NOT_MATCH: readonly { why: string; requested: string[] }[] = [
  { why: 'a value the bot lacks', requested: ['pool=prod'] },
  { why: 'a key the bot lacks', requested: ['zone=us-east1'] },
  {
    why: 'a missing key next to matching ones',
    requested: ['pool=ci', 'os=Linux', 'zone=us-east1'],
  },
  {
    why: 'a repeated key with one value the bot lacks (AND)',
    requested: ['os=Linux', 'os=Windows'],
  },
  { why: 'an OR none of whose alternatives the bot has', requested: ['os=Windows|Mac'] },
  { why: 'a matching pair next to a failing OR', requested: ['cpu=x86-64', 'os=Windows|Mac'] },
  { why: 'a matching OR next to a failing OR', requested: ['os=Linux|Mac', 'gpu=nvidia|amd'] },
  { why: 'a value differing in case', requested: ['os=linux'] },
  { why: 'a prefix of a value', requested: ['os=Linu'] },
  { why: 'a value of another key', requested: ['gpu=ci'] },
];

describe('matchesDimensions', () => {
  for (const { why, requested } of SHOULD_MATCH) {
    it(`matches ${why}`, () => {
      expect(matchesDimensions(dims(...requested), BOT)).toBe(true);
    });
  }

  for (const { why, requested } of SHOULD_NOT_MATCH) {
    it(`does not match ${why}`, () => {
      expect(matchesDimensions(dims(...requested), BOT)).toBe(false);
    });
  }

  it('matches nothing but an empty request against a bot without dimensions', () => {
    const bare = toDimensionMap([]);
    expect(matchesDimensions([], bare)).toBe(true);
    expect(matchesDimensions(dims('pool=ci'), bare)).toBe(false);
  });
});

describe('toDimensionMap', () => {
  it('merges the values of a key given twice', () => {
    const map = toDimensionMap([
      { key: 'os', values: ['Linux'] },
      { key: 'os', values: ['Linux-Debian'] },
    ]);
    expect(matchesDimensions(dims('os=Linux', 'os=Linux-Debian'), map)).toBe(true);
    expect([...(map.get('os') ?? [])].sort()).toEqual(['Linux', 'Linux-Debian']);
  });
});

describe('countOrCombinations', () => {
  for (const { requested, count } of [
    { requested: [] as string[], count: 1 },
    { requested: ['pool=ci', 'os=Linux'], count: 1 },
    { requested: ['pool=ci', 'os=Linux|Mac'], count: 2 },
    { requested: ['os=Linux|Mac', 'cpu=x86|arm64|riscv'], count: 6 },
    { requested: ['os=a|b', 'os=c|d'], count: 4 },
    { requested: ['os=a|b', 'cpu=c|d', 'gpu=e|f', 'zone=g|h'], count: 16 },
  ]) {
    it(`counts ${count} for [${requested.join(', ')}]`, () => {
      expect(countOrCombinations(dims(...requested))).toBe(count);
    });
  }
});

describe('expandOrDimensions', () => {
  it('expands an empty request into one empty set', () => {
    expect(expandOrDimensions([])).toEqual([[]]);
  });

  it('returns one set, sorted by key, when there is no OR', () => {
    expect(flat(expandOrDimensions(dims('pool=ci', 'os=Linux', 'cpu=x86')))).toEqual([
      ['cpu=x86', 'os=Linux', 'pool=ci'],
    ]);
  });

  it('expands the documented example', () => {
    expect(flat(expandOrDimensions(dims('pool=ci', 'os=a|b')))).toEqual([
      ['os=a', 'pool=ci'],
      ['os=b', 'pool=ci'],
    ]);
  });

  it('sorts values of a repeated key within a set', () => {
    expect(flat(expandOrDimensions(dims('os=b', 'pool=ci', 'os=a')))).toEqual([
      ['os=a', 'os=b', 'pool=ci'],
    ]);
  });

  it('expands the product of several ORs, each set sorted by key then value', () => {
    const sets = flat(expandOrDimensions(dims('pool=ci', 'os=Mac|Linux', 'cpu=x86|arm64')));
    expect(sets).toHaveLength(
      countOrCombinations(dims('pool=ci', 'os=Mac|Linux', 'cpu=x86|arm64')),
    );
    for (const set of sets) expect(set).toEqual([...set].sort());
    expect([...sets].sort()).toEqual(
      [
        ['cpu=arm64', 'os=Linux', 'pool=ci'],
        ['cpu=arm64', 'os=Mac', 'pool=ci'],
        ['cpu=x86', 'os=Linux', 'pool=ci'],
        ['cpu=x86', 'os=Mac', 'pool=ci'],
      ].sort(),
    );
  });

  it('drops a pair repeated within a set', () => {
    const sets = flat(expandOrDimensions(dims('os=a', 'os=a|b', 'pool=ci')));
    expect([...sets].sort()).toEqual(
      [
        ['os=a', 'os=b', 'pool=ci'],
        ['os=a', 'pool=ci'],
      ].sort(),
    );
  });

  it('yields each distinct set once', () => {
    // (a,b) and (b,a) are the same set {os=a, os=b}: the dispatch index must see it once.
    const sets = flat(expandOrDimensions(dims('pool=ci', 'os=a|b', 'os=b|a')));
    expect([...sets].sort()).toEqual(
      [
        ['os=a', 'os=b', 'pool=ci'],
        ['os=a', 'pool=ci'],
        ['os=b', 'pool=ci'],
      ].sort(),
    );
  });

  it('expands into sets each of which a bot matches exactly when it matches the request', () => {
    const requested = dims('pool=ci', 'os=Mac|Linux-Debian', 'cpu=arm64|x86-64');
    const sets = expandOrDimensions(requested);
    expect(matchesDimensions(requested, BOT)).toBe(true);
    expect(sets.filter((set) => matchesDimensions(set, BOT))).toHaveLength(1);
  });
});
