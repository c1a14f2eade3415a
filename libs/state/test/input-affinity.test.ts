// Cache-aware dispatch (docs/cas.md): among the idle bots matching a task with an input tree,
// DispatchIndex.botForTask prefers one holding the tree; it never waits for one.
import { describe, expect, it } from 'vitest';
import { DispatchIndex, toDimensionMap, type BotDimensionMap, type KeyValue } from '../src/index';
import { T0 } from './fixtures';

function dims(...pairs: string[]): KeyValue[] {
  return pairs.map((p) => {
    const at = p.indexOf('=');
    return { key: p.slice(0, at), value: p.slice(at + 1) };
  });
}

function bot(id: string, ...pairs: string[]): BotDimensionMap {
  return toDimensionMap(
    [`id=${id}`, ...pairs].map((p) => {
      const at = p.indexOf('=');
      return { key: p.slice(0, at), values: p.slice(at + 1).split(',') };
    }),
  );
}

/** An index with `ids` idle in pool ci, in that order (the first idle longest). */
function idle(...ids: string[]): DispatchIndex {
  const index = new DispatchIndex();
  // A pending task gives the pool's dimension set a queue, as in a busy coordinator.
  index.addPending({
    taskId: 'other',
    priority: 100,
    createdAtMs: T0,
    dimensions: dims('pool=ci'),
  });
  for (const id of ids) index.setBotIdle(id, bot(id, 'pool=ci', 'os=Linux'));
  return index;
}

const TASK = dims('pool=ci', 'os=Linux');

describe('DispatchIndex.botForTask with the bots holding the input tree', () => {
  it('gives the task to the warm bot when a cold one has been idle longer', () => {
    const index = idle('cold', 'warm');
    expect(index.botForTask(TASK)).toBe('cold');
    expect(index.botForTask(TASK, new Set(['warm']))).toBe('warm');
  });

  it('gives it at once to the idle cold bot when the warm one is busy', () => {
    const index = idle('cold', 'warm');
    index.removeBot('warm');
    expect(index.botForTask(TASK, new Set(['warm']))).toBe('cold');
  });

  it('gives it to the warm bot again once that one is idle', () => {
    const index = idle('cold', 'warm');
    index.removeBot('warm');
    index.setBotIdle('warm', bot('warm', 'pool=ci', 'os=Linux'));
    expect(index.botForTask(TASK, new Set(['warm']))).toBe('warm');
  });

  it('prefers nothing without inputs (no tree, or nobody holds it)', () => {
    const index = idle('a', 'b', 'c');
    expect(index.botForTask(TASK)).toBe('a');
    expect(index.botForTask(TASK, new Set())).toBe('a');
    expect(index.botForTask(TASK, new Set(['gone', 'elsewhere']))).toBe('a');
  });

  it('never picks a warm bot that does not match the task', () => {
    const index = idle('cold');
    index.setBotIdle('mac', bot('mac', 'pool=ci', 'os=Mac'));
    expect(index.botForTask(TASK, new Set(['mac']))).toBe('cold');
    expect(index.botForTask(dims('pool=ci', 'os=Windows'), new Set(['mac']))).toBeUndefined();
  });

  it('finds a warm bot in any of the OR-expanded sets before falling back to the first', () => {
    const index = idle('linux');
    index.setBotIdle('mac', bot('mac', 'pool=ci', 'os=Mac'));
    const either = dims('pool=ci', 'os=Linux|Mac');
    expect(index.botForTask(either)).toBe('linux');
    expect(index.botForTask(either, new Set(['mac']))).toBe('mac');
  });

  it('prefers the warm bot for dimensions no pending task has (no queue yet)', () => {
    const index = new DispatchIndex();
    index.setBotIdle('cold', bot('cold', 'pool=gpu'));
    index.setBotIdle('warm', bot('warm', 'pool=gpu'));
    expect(index.botForTask(dims('pool=gpu'))).toBe('cold');
    expect(index.botForTask(dims('pool=gpu'), new Set(['warm']))).toBe('warm');
    index.removeBot('warm');
    expect(index.botForTask(dims('pool=gpu'), new Set(['warm']))).toBe('cold');
  });

  it('walks the smaller side: many warm bots, few idle; many idle, few warm', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `b${i}`);
    const index = idle(...many);
    expect(index.botForTask(TASK, new Set(['b999']))).toBe('b999');
    for (const id of many.slice(1)) index.removeBot(id);
    expect(index.botForTask(TASK, new Set(many.slice(500)))).toBe('b0');
    expect(index.botForTask(TASK, new Set(many))).toBe('b0');
  });
});
