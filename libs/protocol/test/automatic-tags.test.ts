// The coordinator's tags on every task: pool, user, name, priority, parent.
import { describe, expect, it } from 'vitest';
import { validateNewTask } from '../src/validate-new-task';
import { withAutomaticTags } from '../src/automatic-tags';
import type { NewTaskRequest__Output } from '../src/gen/drover/v1/NewTaskRequest';

const base = { pools: ['p'], user: 'ann', name: 'build', priority: 100, parentTaskId: '' };

describe('withAutomaticTags', () => {
  it('adds pool, user, name and priority after the client tags', () => {
    expect(withAutomaticTags(['a:b'], base)).toEqual([
      'a:b',
      'pool:p',
      'user:ann',
      'name:build',
      'priority:100',
    ]);
  });

  it('leaves out user and name when empty, and adds the parent for a child', () => {
    expect(withAutomaticTags([], { ...base, user: '', name: '', parentTaskId: 't1' })).toEqual([
      'pool:p',
      'priority:100',
      'parent_task_id:t1',
    ]);
  });

  it('tags each distinct pool once', () => {
    expect(
      withAutomaticTags([], { ...base, pools: ['p', 'p', 'q'] }).filter((t) =>
        t.startsWith('pool:'),
      ),
    ).toEqual(['pool:p', 'pool:q']);
  });

  it("drops the client's tags with an automatic key: the coordinator's value wins", () => {
    const tags = withAutomaticTags(['pool:x', 'user:eve', 'name:other', 'priority:1', 'k:v'], {
      ...base,
      name: '',
    });
    expect(tags).toEqual(['k:v', 'pool:p', 'user:ann', 'priority:100']);
  });
});

describe('validateNewTask tags', () => {
  function request(over: Partial<NewTaskRequest__Output>): NewTaskRequest__Output {
    return {
      name: 'n',
      priority: 50,
      tags: [],
      user: 'u',
      request_uuid: '',
      parent_task_id: '',
      task_slices: [],
      properties: {
        command: ['true'],
        env: [],
        env_prefixes: [],
        relative_cwd: '',
        dimensions: [{ key: 'pool', value: 'main' }],
        idempotent: false,
        caches: [],
      },
      expiration_secs: 60,
      ...over,
    } as unknown as NewTaskRequest__Output;
  }

  it('stores the automatic tags with the spec', () => {
    expect(validateNewTask(request({ tags: ['k:v'] })).tags).toEqual([
      'k:v',
      'pool:main',
      'user:u',
      'name:n',
      'priority:50',
    ]);
  });

  it('adds the automatic tags on top of 256 client tags', () => {
    const tags = Array.from({ length: 256 }, (_, i) => `k:${i}`);
    expect(validateNewTask(request({ tags })).tags).toHaveLength(260);
  });

  it('tags a request without a user with the caller, whom the coordinator stores as its user', () => {
    expect(validateNewTask(request({ user: '' }), 'ci-bot').tags).toContain('user:ci-bot');
    expect(validateNewTask(request({ user: '' })).tags.some((t) => t.startsWith('user:'))).toBe(
      false,
    );
  });

  it('stores the default priority in its tag', () => {
    expect(validateNewTask(request({ priority: undefined })).tags).toContain('priority:200');
  });
});
