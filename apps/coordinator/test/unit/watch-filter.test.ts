// The WatchTasks filter: tags ANDed, optional states, every bad field named.
import type { Task } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { matchesWatch, toWatchFilter } from '../../src/watch/watch-filter';

const task = (state: Task['state'], tags: string[]) =>
  ({ state, spec: { tags } }) as unknown as Task;

describe('matchesWatch', () => {
  const filter = toWatchFilter({ tags: ['a:1', 'b:2'], states: ['RUNNING', 'COMPLETED'] });
  it.each<[Task['state'], string[], boolean]>([
    ['RUNNING', ['a:1', 'b:2'], true],
    ['COMPLETED', ['b:2', 'x:y', 'a:1'], true],
    ['RUNNING', ['a:1'], false],
    ['PENDING', ['a:1', 'b:2'], false],
    ['RUNNING', ['a:1', 'b:3'], false],
  ])('%s with tags %j → %s', (state, tags, expected) => {
    expect(matchesWatch(filter, task(state, tags))).toBe(expected);
  });

  it('lets every task through an empty filter', () => {
    expect(matchesWatch(toWatchFilter({ tags: [], states: [] }), task('KILLED', []))).toBe(true);
  });
});

describe('toWatchFilter', () => {
  it.each([
    [{ tags: ['a:1', 'nocolon'], states: [] }, /^tags\[1\]: must be key:value/],
    [{ tags: [':x'], states: [] }, /^tags\[0\]: must be key:value/],
    [{ tags: [], states: ['PENDING', 'INVALID'] }, /^states\[1\]: not a task state: INVALID/],
    [{ tags: [], states: [12345] }, /^states\[0\]: not a task state: 12345/],
  ])('refuses %j, naming the field', (req, message) => {
    expect(() => toWatchFilter(req as Parameters<typeof toWatchFilter>[0])).toThrow(message);
  });
});
