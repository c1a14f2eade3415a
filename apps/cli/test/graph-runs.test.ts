import type { GraphDataOut } from '@drover/protocol';
import { describe, expect, it } from 'vitest';
import {
  collectRuns,
  describeRun,
  formatRunTable,
  jsonObjectFromPairs,
  parseCounts,
  questDescFromFlags,
  runState,
  type RunView,
} from '../src/graph-runs';

describe('graph ensure flags', () => {
  it('takes a value as JSON when it is valid JSON, else as a string, as written', () => {
    expect(
      jsonObjectFromPairs('--param', [
        'n=1',
        'f=1.0',
        'big=12345678901234567890',
        'who=world',
        'yes=true',
        'list=["echo", "hi"]',
        'obj={"pool":"ci"}',
        'quoted="1"',
        'empty=',
        'eq=a=b',
        ' spaced = [1] ',
      ]),
    ).toEqual({
      ok: true,
      value:
        '{"n":1,"f":1.0,"big":12345678901234567890,"who":"world","yes":true,' +
        '"list":["echo", "hi"],"obj":{"pool":"ci"},"quoted":"1","empty":"","eq":"a=b",' +
        '" spaced ":[1]}',
    });
    expect(jsonObjectFromPairs('--param', [])).toEqual({ ok: true, value: '{}' });
  });

  it('refuses pairs without a key, or a key given twice, naming the flag', () => {
    expect(jsonObjectFromPairs('--param', ['novalue'])).toEqual({
      ok: false,
      message: '--param: expected key=value, got "novalue"',
    });
    expect(jsonObjectFromPairs('--dist-param', ['=1'])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^--dist-param: the key before = is empty/),
    });
    expect(jsonObjectFromPairs('--param', ['a=1', 'a=2'])).toEqual({
      ok: false,
      message: '--param: "a" given twice',
    });
  });

  it('parses retry counts and timeouts', () => {
    const retry = ['failed', 'crashed', 'expired', 'timed_out'] as const;
    expect(parseCounts('--retry', 'failed=2,crashed=1', retry, 10)).toEqual({
      ok: true,
      value: { failed: 2, crashed: 1 },
    });
    expect(parseCounts('--retry', 'timed-out=3', retry, 10)).toEqual({
      ok: true,
      value: { timed_out: 3 },
    });
    for (const bad of ['failed', 'failed=-1', 'failed=x', 'bogus=1', 'failed=1,', ''])
      expect(parseCounts('--retry', bad, retry, 10)).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^--retry: expected failed=N,crashed=N/),
      });
    expect(parseCounts('--retry', 'failed=11', retry, 10)).toEqual({
      ok: false,
      message: '--retry: failed=11 is more than 10',
    });
    expect(parseCounts('--timeout', 'run=1,run=2', ['run'] as const, 10)).toEqual({
      ok: false,
      message: '--timeout: run given twice',
    });
  });

  it('builds one Quest.Desc from the flags, none when no flag is given', () => {
    expect(questDescFromFlags({})).toEqual({ ok: true, value: undefined });
    expect(questDescFromFlags({ param: ['a=1'] })).toEqual({
      ok: true,
      value: {
        distributor_config_name: 'drover',
        parameters: '{"a":1}',
        distributor_parameters: '{}',
      },
    });
    expect(
      questDescFromFlags({
        distributor: 'shell',
        name: 'build',
        distParam: ['command=["echo","hi"]', 'dimensions={"pool":"ci"}'],
        retry: 'failed=2,crashed=1',
        timeout: 'run=600,start=3600',
      }),
    ).toEqual({
      ok: true,
      value: {
        distributor_config_name: 'shell',
        name: 'build',
        parameters: '{}',
        distributor_parameters: '{"command":["echo","hi"],"dimensions":{"pool":"ci"}}',
        meta: { retry: { failed: 2, crashed: 1 }, timeouts: { run: 600, start: 3600 } },
      },
    });
    expect(questDescFromFlags({ timeout: 'run=abc' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^--timeout: /),
    });
    expect(questDescFromFlags({ distributor: '' })).toEqual({
      ok: false,
      message: '--distributor: empty',
    });
  });
});

const ts = (iso: string) => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });

const run = (id: string, name: string, states: string[]): RunView => ({
  id,
  name,
  created: ts('2026-12-06T12:00:00Z'),
  user: 'alice',
  pools: ['ci'],
  steps: states.map((state, i) => ({
    name: `s${i}`,
    attempt: { quest: `q${i}`, id: 1 },
    needs: i === 0 ? [] : ['s0'],
    state,
  })),
});

describe('graph ls', () => {
  it('says running, finished or failed', () => {
    expect(runState(run('r', 'n', ['FINISHED', 'EXECUTING']))).toBe('running');
    expect(runState(run('r', 'n', ['FINISHED', 'FINISHED']))).toBe('finished');
    expect(runState(run('r', 'n', ['FINISHED', 'ABNORMAL_FINISHED', 'WAITING']))).toBe('failed');
    expect(runState(run('r', 'n', []))).toBe('finished');
  });

  it('prints a table in the order given', () => {
    expect(
      formatRunTable([
        run('run-bbbbbbbbbbbbbbbb', 'diamond', ['FINISHED', 'EXECUTING', 'WAITING']),
        run('run-aaaaaaaaaaaaaaaa', 'a'.repeat(50), ['FINISHED', 'ABNORMAL_FINISHED']),
        { ...run('run-cccccccccccccccc', 'x', ['FINISHED']), created: null },
      ]),
    ).toBe(
      [
        'RUN                   NAME                                      CREATED               STEPS  STATE',
        'run-bbbbbbbbbbbbbbbb  diamond                                   2026-12-06T12:00:00Z  1/3    running',
        `run-aaaaaaaaaaaaaaaa  ${'a'.repeat(39)}…  2026-12-06T12:00:00Z  1/2    failed`,
        'run-cccccccccccccccc  x                                         -                     1/1    finished',
      ].join('\n'),
    );
  });
});

describe('graph ls paging', () => {
  const many = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => run(`run-${from + i}`, 'n', []));

  it('asks for at most 1000 a page and follows the cursor until it has --limit runs', async () => {
    const asked: Array<{ limit: number; cursor: string; name_glob: string }> = [];
    const { runs, more } = await collectRuns(
      async (req) => {
        asked.push(req);
        const from = req.cursor === '' ? 0 : Number(req.cursor);
        // A short page with a cursor: runs the caller may not view were skipped.
        const n = from === 1000 ? 3 : req.limit;
        return { runs: many(from, n), cursor: String(from + req.limit) };
      },
      'dia*',
      2500,
    );
    expect(asked).toEqual([
      { name_glob: 'dia*', limit: 1000, cursor: '' },
      { name_glob: 'dia*', limit: 1000, cursor: '1000' },
      { name_glob: 'dia*', limit: 1000, cursor: '2000' },
      { name_glob: 'dia*', limit: 497, cursor: '3000' },
    ]);
    expect(runs).toHaveLength(2500);
    expect(more).toBe(true);
    expect(runs[1000]!.id).toBe('run-1000');
    expect(runs[1003]!.id).toBe('run-2000');
  });

  it('stops when the coordinator has no more', async () => {
    let calls = 0;
    const { runs, more } = await collectRuns(
      async () => {
        calls++;
        return { runs: many(0, 2), cursor: '' };
      },
      '',
      50,
    );
    expect(calls).toBe(1);
    expect(runs.map((r) => r.id)).toEqual(['run-0', 'run-1']);
    expect(more).toBe(false);
  });
});

describe('graph show', () => {
  it('prints each step in order with its attempt, executions and tasks', () => {
    const r = run('run-aaaaaaaaaaaaaaaa', 'diamond', [
      'FINISHED',
      'ABNORMAL_FINISHED',
      'EXECUTING',
    ]);
    const exec = (id: number, state: string, task: string, from: string, to: string, why = '') => ({
      id: { quest: 'q', attempt: 1, id },
      data: {
        created: ts(from),
        modified: ts(to),
        state,
        task_id: task,
        abnormal_finish: why === '' ? null : { status: 'FAILED', reason: why },
      },
      partial: false,
    });
    const attempt = (
      state: string,
      result: number | null,
      executions: ReturnType<typeof exec>[],
      abnormal: { status: string; reason: string } | null = null,
    ) => ({
      id: { quest: 'q', id: 1 },
      data: {
        created: ts('2026-12-06T12:00:00Z'),
        modified: ts('2026-12-06T12:00:00Z'),
        state,
        num_executions: executions.length,
        num_waiting_deps: 0,
        result: result === null ? null : { object: '', size: result, expiration: null },
        abnormal_finish: abnormal,
      },
      executions: Object.fromEntries(executions.map((e) => [e.id.id, e])),
      fwd_deps: [],
      back_deps: [],
      partial: null,
    });
    const graph = {
      quests: {
        q0: {
          attempts: {
            1: attempt('FINISHED', 8, [
              exec(1, 'FINISHED', 't-a', '2026-12-06T12:00:00Z', '2026-12-06T12:00:01.5Z'),
            ]),
          },
        },
        q1: {
          attempts: {
            1: attempt(
              'ABNORMAL_FINISHED',
              null,
              [
                exec(
                  2,
                  'ABNORMAL_FINISHED',
                  't-c',
                  '2026-12-06T12:00:03Z',
                  '2026-12-06T12:00:04Z',
                  'exit 1',
                ),
                exec(
                  1,
                  'ABNORMAL_FINISHED',
                  't-b',
                  '2026-12-06T12:00:01Z',
                  '2026-12-06T12:00:02Z',
                  'exit 1',
                ),
              ],
              { status: 'FAILED', reason: 'failed twice' },
            ),
          },
        },
        q2: {
          attempts: {
            1: attempt('EXECUTING', null, [
              exec(1, 'RUNNING', 't-d', '2026-12-06T12:00:00Z', '2026-12-06T12:00:00Z'),
            ]),
          },
        },
      },
      had_more: false,
      had_errors: false,
    } as unknown as GraphDataOut;
    expect(describeRun(r, graph, Date.parse('2026-12-06T12:00:10Z'))).toBe(
      [
        'run run-aaaaaaaaaaaaaaaa  diamond  failed, 1/3 steps finished',
        '  created 2026-12-06T12:00:00Z by alice, pools ci',
        'step s0  FINISHED  attempt 1  result 8 bytes',
        '    quest q0',
        '    execution 1  FINISHED  1.50s  task t-a',
        '      drover result t-a; drover logs t-a',
        'step s1  ABNORMAL_FINISHED  attempt 1  needs s0',
        '    quest q1',
        '    FAILED: failed twice',
        '    execution 1  ABNORMAL_FINISHED  1.00s  task t-b  FAILED: exit 1',
        '      drover result t-b; drover logs t-b',
        '    execution 2  ABNORMAL_FINISHED  1.00s  task t-c  FAILED: exit 1',
        '      drover result t-c; drover logs t-c',
        'step s2  EXECUTING  attempt 1  needs s0',
        '    quest q2',
        '    execution 1  RUNNING  10.00s so far  task t-d',
        '      drover result t-d; drover logs t-d',
      ].join('\n'),
    );
  });

  it("shows the run's state for a step whose attempt was not read", () => {
    const r = run('run-aaaaaaaaaaaaaaaa', 'd', ['WAITING']);
    const text = describeRun(r, { quests: {}, had_more: false, had_errors: false }, 0);
    expect(text).toContain('step s0  WAITING  attempt 1\n    quest q0\n    (attempt not read)');
  });
});
