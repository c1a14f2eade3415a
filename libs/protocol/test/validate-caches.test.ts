import { propertiesHash } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MAX_CACHES, validateCaches, validateNewTask } from '../src/index';

const at = 'task_slices[0].properties';

function refusal(caches: { name: string; path: string }[]): string {
  try {
    validateCaches(at, caches);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('validateCaches', () => {
  it('normalises paths and keeps the order', () => {
    expect(
      validateCaches(at, [
        { name: 'git', path: 'a//b/./c/' },
        { name: 'npm_2', path: '.npm' },
      ]),
    ).toEqual([
      { name: 'git', path: 'a/b/c' },
      { name: 'npm_2', path: '.npm' },
    ]);
  });

  it.each([
    [[{ name: '', path: 'x' }], `${at}.caches[0].name`],
    [[{ name: 'x'.repeat(129), path: 'x' }], `${at}.caches[0].name`],
    [[{ name: 'ok', path: '' }], `${at}.caches[0].path`],
    [[{ name: 'ok', path: '.' }], `${at}.caches[0].path`],
    [[{ name: 'ok', path: 'C:\\x' }], `${at}.caches[0].path`],
    [[{ name: 'ok', path: 'a/..' }], `${at}.caches[0].path`],
    [
      [
        { name: 'a', path: 'x/y/z' },
        { name: 'b', path: 'x/y' },
      ],
      `${at}.caches[1].path`,
    ],
  ])('refuses %j naming %s', (caches, field) => {
    expect(refusal(caches)).toContain(field);
  });

  it(`allows at most ${MAX_CACHES} caches`, () => {
    const many = Array.from({ length: MAX_CACHES + 1 }, (_, i) => ({
      name: `c${i}`,
      path: `p${i}`,
    }));
    expect(refusal(many)).toContain(`${at}.caches`);
    expect(validateCaches(at, many.slice(0, MAX_CACHES))).toHaveLength(MAX_CACHES);
  });

  it('makes caches part of the dedup hash, and leaves the hash of a task without them alone', () => {
    const props = (caches: { name: string; path: string }[]) =>
      validateNewTask({
        name: '',
        tags: [],
        secret_bytes: Buffer.alloc(0),
        user: '',
        request_uuid: '',
        parent_task_id: '',
        notify: null,
        properties: null,
        task_slices: [
          {
            properties: {
              command: ['true'],
              env: [],
              env_prefixes: [],
              relative_cwd: '',
              cas_input_root: null,
              dimensions: [{ key: 'pool', value: 'p' }],
              idempotent: true,
              caches,
            },
            wait_for_capacity: false,
          },
        ],
      }).slices[0]!;
    const none = props([]);
    expect(none.properties.caches).toBeUndefined();
    expect(none.propertiesHash).toBe(propertiesHash({ ...none.properties }));
    const withCache = props([{ name: 'npm', path: '.npm' }]);
    expect(withCache.properties.caches).toEqual([{ name: 'npm', path: '.npm' }]);
    expect(withCache.propertiesHash).not.toBe(none.propertiesHash);
  });
});
