// validateNewTask for parent_task_id and notify: the child's tag, reserved tags, URLs.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, validateNewTask, type NewTaskRequestOut } from '../src/index';

function request(over: Partial<NewTaskRequestOut> = {}): NewTaskRequestOut {
  return {
    name: 't',
    tags: [],
    secret_bytes: Buffer.alloc(0),
    user: '',
    request_uuid: '',
    task_slices: [
      {
        properties: {
          command: ['true'],
          env: [],
          env_prefixes: [],
          relative_cwd: '',
          dimensions: [{ key: 'pool', value: 'default' }],
          idempotent: false,
          caches: [],
        } as unknown as NonNullable<NewTaskRequestOut['properties']>,
        wait_for_capacity: false,
      },
    ],
    properties: null,
    parent_task_id: '',
    notify: null,
    ...over,
  };
}

function refusal(over: Partial<NewTaskRequestOut>): string {
  try {
    validateNewTask(request(over));
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('parent_task_id', () => {
  it('keeps the parent and adds the tag parent_task_id:<id> after the given tags', () => {
    const spec = validateNewTask(
      request({ parent_task_id: '018f0a1b2c3d4e5f6a7b', tags: ['a:b'] }),
    );
    expect(spec.parentTaskId).toBe('018f0a1b2c3d4e5f6a7b');
    expect(spec.tags).toEqual([
      'a:b',
      'pool:default',
      'name:t',
      'priority:200',
      'parent_task_id:018f0a1b2c3d4e5f6a7b',
    ]);
  });

  it('adds no parent tag without a parent', () => {
    expect(validateNewTask(request({ tags: ['a:b'] })).tags).toEqual([
      'a:b',
      'pool:default',
      'name:t',
      'priority:200',
    ]);
  });

  it.each([
    [{ parent_task_id: 'has space' }, /^parent_task_id: not a task id/],
    [{ parent_task_id: 'x'.repeat(129) }, /^parent_task_id: not a task id/],
    [
      { tags: ['parent_task_id:abc'] },
      /^tags\[0\]: the parent_task_id tag is set by the coordinator/,
    ],
    [
      { parent_task_id: 'p1', tags: Array.from({ length: 256 }, (_, i) => `k:${i}`) },
      /^tags: at most 255 tags with a parent task, got 256/,
    ],
  ])('refuses %#, naming the field', (over, message) => {
    expect(refusal(over as Partial<NewTaskRequestOut>)).toMatch(message);
  });
});

describe('notify', () => {
  it('keeps an http or https URL and its userdata', () => {
    expect(
      validateNewTask(request({ notify: { url: 'https://h/x?y=1', userdata: 'u' } })).notify,
    ).toEqual({
      url: 'https://h/x?y=1',
      userdata: 'u',
    });
    expect(
      validateNewTask(request({ notify: { url: 'http://127.0.0.1:9/', userdata: '' } })).notify
        ?.url,
    ).toBe('http://127.0.0.1:9/');
  });

  it('treats an absent or empty notify as none', () => {
    expect(validateNewTask(request()).notify).toBeUndefined();
    expect(validateNewTask(request({ notify: { url: '', userdata: '' } })).notify).toBeUndefined();
  });

  it.each([
    [
      { url: 'ftp://h/x', userdata: '' },
      /^notify\.url: must be an http:\/\/ or https:\/\/ URL, got ftp:/,
    ],
    [{ url: 'file:///etc/passwd', userdata: '' }, /^notify\.url: must be an http/],
    [{ url: '/relative', userdata: '' }, /^notify\.url: not a valid URL/],
    [{ url: '', userdata: 'u' }, /^notify\.url: required when notify is given/],
    [
      { url: `http://h/${'x'.repeat(2048)}`, userdata: '' },
      /^notify\.url: at most 2048 characters/,
    ],
    [
      { url: 'http://h/', userdata: 'u'.repeat(4097) },
      /^notify\.userdata: at most 4096 characters/,
    ],
  ])('refuses %j, naming the field', (notify, message) => {
    expect(refusal({ notify })).toMatch(message);
  });
});
