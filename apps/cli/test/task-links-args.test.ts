// The CLI side of parent tasks, webhooks and watching, pure: `submit --parent/--no-parent/--notify-*`, `tasks --parent`,
// `watch --state` and how a change is printed.
import type { TaskChangeOut, TaskResultOut } from '@drover/client';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IO_TIMEOUT_SECS,
  buildNewTaskRequest,
  parseNotifyUrl,
  type SubmitOptions,
} from '../src/submit';
import { buildTaskQuery, continueCommand } from '../src/tasks';
import { describeChange, parseTaskState } from '../src/watch';

const base: SubmitOptions = {
  dimension: [{ key: 'pool', value: 'ci' }],
  ioTimeout: DEFAULT_IO_TIMEOUT_SECS,
};
type Caller = { user: string; parentTaskId: string | undefined };
const inTask: Caller = { user: 'alice', parentTaskId: 'from-env' };
const outside: Caller = { user: 'alice', parentTaskId: undefined };

function sent(opts: Partial<SubmitOptions>, caller: Caller = inTask) {
  const built = buildNewTaskRequest({ ...base, ...opts }, ['true'], caller);
  if (!built.ok) throw new Error(built.message);
  return built.value;
}

describe('drover submit: the parent task', () => {
  it.each<[string, Partial<SubmitOptions>, Caller, string]>([
    ['inside a task, DROVER_TASK_ID', {}, inTask, 'from-env'],
    ['--parent over DROVER_TASK_ID', { parent: 'explicit' }, inTask, 'explicit'],
    ['--parent outside a task', { parent: 'explicit' }, outside, 'explicit'],
    ['--no-parent inside a task: none', { parent: false }, inTask, ''],
    ['outside a task: none', {}, outside, ''],
  ])('%s → parent_task_id %j', (_what, opts, caller, parent) => {
    expect(sent(opts, caller).parent_task_id).toBe(parent);
  });
});

describe('drover submit: notify', () => {
  it('sends notify with the URL and userdata', () => {
    expect(sent({ notifyUrl: 'https://h/x', notifyUserdata: 'u' }).notify).toEqual({
      url: 'https://h/x',
      userdata: 'u',
    });
    expect(sent({ notifyUrl: 'http://h/' }).notify).toEqual({ url: 'http://h/', userdata: '' });
    expect(sent({}).notify).toBeUndefined();
  });

  it('refuses --notify-userdata without --notify-url', () => {
    expect(buildNewTaskRequest({ ...base, notifyUserdata: 'u' }, ['true'], outside)).toEqual({
      ok: false,
      message: '--notify-userdata needs --notify-url',
    });
  });

  it.each([
    ['https://ci.example.com/hook', true],
    ['http://127.0.0.1:8080/', true],
    ['ftp://h/x', false],
    ['nope', false],
  ])('--notify-url %s ok: %s', (text, ok) => {
    expect(parseNotifyUrl(text).ok).toBe(ok);
  });
});

describe('drover tasks --parent', () => {
  it('sends parent_task_id, and the next page command keeps it', () => {
    expect(buildTaskQuery({ state: 'QUERY_ALL', parent: 'p1' })).toEqual({
      ok: true,
      value: { state: 'QUERY_ALL', tags: [], parent_task_id: 'p1' },
    });
    expect(continueCommand({ state: 'QUERY_ALL', parent: 'p1' }, {}, 'c1')).toBe(
      'drover tasks --parent p1 --cursor c1',
    );
  });
});

describe('drover watch', () => {
  it.each([
    ['running', 'RUNNING'],
    ['Timed_Out', 'TIMED_OUT'],
  ])('--state %s → %s', (text, state) => {
    expect(parseTaskState(text)).toEqual({ ok: true, value: state });
  });

  it('refuses an unknown --state and INVALID', () => {
    expect(parseTaskState('done').ok).toBe(false);
    expect(parseTaskState('invalid').ok).toBe(false);
  });

  it('prints one line: time, task, from → state as drover wait shows it, name', () => {
    const result = {
      task_id: 't1',
      name: 'build',
      state: 'RUNNING',
      bot_id: 'b7',
      summary: '',
      modified_ts: { seconds: 1_700_000_000, nanos: 0 },
    } as TaskResultOut;
    const change = (previous: TaskChangeOut['previous_state']): TaskChangeOut => ({
      task_id: 't1',
      state: 'RUNNING',
      previous_state: previous,
      result,
    });
    expect(describeChange(change('PENDING'))).toBe(
      '2023-11-14T22:13:20Z  t1  PENDING → RUNNING on bot b7  build',
    );
    expect(describeChange(change('INVALID'))).toContain('  t1  new → RUNNING');
  });
});
