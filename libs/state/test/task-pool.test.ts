import { describe, expect, it } from 'vitest';
import { taskPoolOf, taskPoolsOf } from '../src/index';
import { slice, spec } from './fixtures';

const dims = (...pairs: Array<[string, string]>) => pairs.map(([key, value]) => ({ key, value }));

describe('the pool of a task', () => {
  it('is the value of its pool dimension', () => {
    const s = spec([slice(60, false, dims(['pool', 'ci'], ['os', 'Linux']))]);
    expect(taskPoolsOf(s)).toEqual(['ci']);
    expect(taskPoolOf(s)).toBe('ci');
  });

  it('counts every OR value and every slice, sorted and distinct', () => {
    const s = spec([
      slice(60, false, dims(['pool', 'gpu|ci'])),
      slice(60, false, dims(['pool', 'ci'], ['os', 'Mac'])),
      slice(60, false, dims(['pool', 'arm'])),
    ]);
    expect(taskPoolsOf(s)).toEqual(['arm', 'ci', 'gpu']);
    expect(taskPoolOf(s)).toBe('arm|ci|gpu');
  });

  it('is empty when no slice names a pool', () => {
    const s = spec([slice(60, false, dims(['os', 'Linux']))]);
    expect(taskPoolsOf(s)).toEqual([]);
    expect(taskPoolOf(s)).toBe('');
  });
});
