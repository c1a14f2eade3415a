// Quest descriptions: validation, defaults, and the id = base64url(SHA-256(canonical desc)).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUEST_PARAMS_BYTES,
  QUEST_ID_LENGTH,
  canonicalJsonObject,
  canonicalQuestDesc,
  isQuestId,
  normalizeQuestDesc,
  questId,
  type QuestDesc,
  type QuestDescInput,
} from '../../src/index';
import { questDescInput } from './graph-fixtures';

function desc(input: QuestDescInput): QuestDesc {
  const outcome = normalizeQuestDesc(input);
  if (!('ok' in outcome)) throw new Error(outcome.message);
  return outcome.ok;
}

function idOf(input: QuestDescInput): string {
  return questId(desc(input));
}

/** A fixed desc and its id, computed once: the id must never change. */
const PINNED_INPUT: QuestDescInput = {
  distributorConfigName: 'drover',
  parameters: '{"b": 2, "a": [1.0, "x"]}',
  distributorParameters: '{"pool": "ci"}',
  meta: { asAccount: 'ci@example.com', retry: { failed: 3 }, timeouts: { run: 600 } },
};
const PINNED_CANONICAL =
  '{"distributor_config_name":"drover","distributor_parameters":{"pool":"ci"},' +
  '"meta":{"as_account":"ci@example.com","retry":{"crashed":0,"expired":0,"failed":3,"timed_out":0},' +
  '"timeouts":{"run":600,"start":21600,"stop":30}},"parameters":{"a":[1.0,"x"],"b":2}}';
// Computed once outside the code: printf '%s' "$PINNED_CANONICAL" | openssl dgst -sha256 -binary | base64url.
const PINNED_ID = 'HWsv6Riaf0bvr8PJr8ChuZs4EScaCWwBwOs-CimkHIg';

describe('questId', () => {
  it('hashes a known desc to a known 43-character id', () => {
    const d = desc(PINNED_INPUT);
    expect(canonicalQuestDesc(d)).toBe(PINNED_CANONICAL);
    expect(questId(d)).toBe(createHash('sha256').update(PINNED_CANONICAL).digest('base64url'));
    expect(questId(d)).toBe(PINNED_ID);
    expect(questId(d)).toHaveLength(QUEST_ID_LENGTH);
    expect(isQuestId(questId(d))).toBe(true);
  });

  it('hashes a canonical text that is its own canonical form', () => {
    const text = canonicalQuestDesc(desc(questDescInput()));
    expect(canonicalJsonObject(text, 'desc')).toEqual({
      ok: { text, bytes: Buffer.byteLength(text) },
    });
  });

  it('gives the same desc the same id', () => {
    expect(idOf(questDescInput())).toBe(idOf(questDescInput()));
  });

  it('leaves the display name out of the id and of the canonical form', () => {
    const named = desc(questDescInput({ name: 'build-step' }));
    expect(named.name).toBe('build-step');
    expect(questId(named)).toBe(idOf(questDescInput()));
    expect(canonicalQuestDesc(named)).not.toContain('build-step');
  });

  it('gives the same id whatever the key order and whitespace of the JSON fields', () => {
    const reordered = questDescInput({
      parameters: '{ "shards" : 4 ,\n "target" : "//base:tests" }',
      distributorParameters: '{"command":["python3","run.py"],"pool":"ci"}',
    });
    expect(idOf(reordered)).toBe(idOf(questDescInput()));
  });

  it('gives the same id with defaults left out or spelled out', () => {
    const bare: QuestDescInput = {
      distributorConfigName: 'd',
      parameters: '',
      distributorParameters: '',
    };
    const spelled: QuestDescInput = {
      distributorConfigName: 'd',
      parameters: '{}',
      distributorParameters: '{}',
      meta: {
        asAccount: '',
        retry: { failed: 0, crashed: 0, expired: 0, timedOut: 0 },
        timeouts: { start: 21_600, run: 3_600, stop: 30 },
      },
    };
    expect(idOf(bare)).toBe(idOf(spelled));
  });

  const DIFFERENT: readonly { name: string; input: QuestDescInput }[] = [
    {
      name: 'parameters',
      input: questDescInput({ parameters: '{"target":"//base:tests","shards":5}' }),
    },
    {
      name: 'a number spelled otherwise',
      input: questDescInput({ parameters: '{"target":"//base:tests","shards":4.0}' }),
    },
    {
      name: 'distributor parameters',
      input: questDescInput({ distributorParameters: '{"pool":"gpu"}' }),
    },
    { name: 'the distributor config', input: questDescInput({ distributorConfigName: 'other' }) },
    {
      name: 'the retry policy',
      input: questDescInput({ meta: { ...questDescInput().meta, retry: { failed: 3 } } }),
    },
    {
      name: 'the timeouts',
      input: questDescInput({ meta: { ...questDescInput().meta, timeouts: { start: 601 } } }),
    },
    {
      name: 'the account',
      input: questDescInput({ meta: { ...questDescInput().meta, asAccount: 'other@example.com' } }),
    },
  ];
  for (const c of DIFFERENT) {
    it(`gives a different id for different ${c.name}`, () => {
      expect(idOf(c.input)).not.toBe(idOf(questDescInput()));
    });
  }
});

describe('normalizeQuestDesc', () => {
  it('fills every default', () => {
    expect(
      normalizeQuestDesc({ distributorConfigName: 'd', parameters: '', distributorParameters: '' }),
    ).toEqual({
      ok: {
        name: '',
        distributorConfigName: 'd',
        parameters: '{}',
        distributorParameters: '{}',
        meta: {
          asAccount: '',
          retry: { failed: 0, crashed: 0, expired: 0, timedOut: 0 },
          timeouts: { startSecs: 21_600, runSecs: 3_600, stopSecs: 30 },
        },
      },
    });
  });

  const REFUSED: readonly { name: string; input: QuestDescInput; error: string; field: string }[] =
    [
      {
        name: 'a missing distributor config name',
        input: questDescInput({ distributorConfigName: '' }),
        error: 'invalid-value',
        field: 'distributor_config_name',
      },
      {
        name: 'a display name of 129 characters',
        input: questDescInput({ name: 'é'.repeat(129) }),
        error: 'invalid-value',
        field: 'name',
      },
      {
        name: 'parameters that are an array',
        input: questDescInput({ parameters: '[1]' }),
        error: 'not-an-object',
        field: 'parameters',
      },
      {
        name: 'distributor parameters with trailing garbage',
        input: questDescInput({ distributorParameters: '{"a":1}}' }),
        error: 'invalid-json',
        field: 'distributor_parameters',
      },
      {
        name: 'a negative retry count',
        input: questDescInput({ meta: { retry: { timedOut: -1 } } }),
        error: 'invalid-value',
        field: 'meta.retry.timed_out',
      },
      {
        name: 'a start timeout past 7 days',
        input: questDescInput({ meta: { timeouts: { start: 604_801 } } }),
        error: 'invalid-value',
        field: 'meta.timeouts.start',
      },
      {
        name: 'a negative run timeout',
        input: questDescInput({ meta: { timeouts: { run: -5 } } }),
        error: 'invalid-value',
        field: 'meta.timeouts.run',
      },
      {
        name: 'a fractional stop timeout',
        input: questDescInput({ meta: { timeouts: { stop: 1.5 } } }),
        error: 'invalid-value',
        field: 'meta.timeouts.stop',
      },
    ];
  for (const c of REFUSED) {
    it(`refuses ${c.name}, naming ${c.field}`, () => {
      expect(normalizeQuestDesc(c.input)).toEqual({
        error: c.error,
        field: c.field,
        message: expect.stringContaining(c.field) as string,
      });
    });
  }

  it('allows a display name of 128 characters (code points, not UTF-16 units)', () => {
    expect(normalizeQuestDesc(questDescInput({ name: '😀'.repeat(128) }))).toHaveProperty('ok');
  });

  it('allows 256 KiB of normalized parameters in total and refuses one byte more', () => {
    // {"a":"…"} is 8 bytes around the string; the two objects share the budget.
    const half = MAX_QUEST_PARAMS_BYTES / 2;
    const object = (n: number) => `{ "a" : "${'x'.repeat(n - 8)}" }`;
    const fits = questDescInput({ parameters: object(half), distributorParameters: object(half) });
    expect(normalizeQuestDesc(fits)).toHaveProperty('ok');
    const over = questDescInput({
      parameters: object(half + 1),
      distributorParameters: object(half),
    });
    expect(normalizeQuestDesc(over)).toEqual({
      error: 'too-large',
      field: 'parameters',
      message: expect.stringContaining(`${MAX_QUEST_PARAMS_BYTES + 1} bytes`) as string,
    });
  });
});
