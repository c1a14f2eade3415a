import { normalizeQuestDesc, questId } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { chooseAttempts, ensureRequest, failureLines } from '../src/graph-run';
import { readPipelineFile, type Pipeline } from '../src/pipeline-file';
import { parseTaskFileText } from '../src/task-file';

function read(text: string, fileName = 'diamond.yaml', runName?: string) {
  const parsed = parseTaskFileText(text, fileName);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return readPipelineFile(parsed.value, {
    fileName,
    ...(runName === undefined ? {} : { runName }),
  });
}

function ok(text: string, fileName?: string): Pipeline {
  const got = read(text, fileName);
  if (!got.ok) throw new Error(got.errors.join('\n'));
  return got.pipeline;
}

function errors(text: string): string[] {
  const got = read(text);
  if (got.ok) throw new Error('the file was accepted');
  return got.errors;
}

const DIAMOND = `
defaults:
  dimensions: {pool: ci}
steps:
  - name: d
    needs: [b, c]
    command: [sh, -c, 'cat "$DROVER_DEPS_DIR"/*.json']
  - name: b
    needs: [a]
    command: [make, b]
  - name: a
    command: [make, a]
  - name: c
    needs: [a]
    command: [make, c]
`;

const ids = (p: Pipeline) => Object.fromEntries(p.steps.map((s) => [s.name, s.questId]));
const distributorParams = (p: Pipeline, name: string) =>
  JSON.parse(p.steps.find((s) => s.name === name)!.desc.distributor_parameters!) as Record<
    string,
    unknown
  >;
const parameters = (p: Pipeline, name: string) =>
  JSON.parse(p.steps.find((s) => s.name === name)!.desc.parameters!) as Record<string, unknown>;

describe('readPipelineFile', () => {
  it('orders the steps after what they need, in file order where the needs allow', () => {
    const p = ok(DIAMOND);
    expect(p.name).toBe('diamond');
    expect(p.steps.map((s) => s.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(p.steps.map((s) => s.index)).toEqual([2, 1, 3, 0]);
    expect(p.steps.find((s) => s.name === 'd')!.needs).toEqual(['b', 'c']);
  });

  it("builds each step's quest: the wrapper, the needs' quest ids, its id as the coordinator computes it", () => {
    const p = ok(DIAMOND);
    const d = p.steps.find((s) => s.name === 'd')!;
    expect(d.desc).toMatchObject({ name: 'd', distributor_config_name: 'drover' });
    expect(distributorParams(p, 'd')).toEqual({
      command: ['drover', 'graph', 'step', '--', 'sh', '-c', 'cat "$DROVER_DEPS_DIR"/*.json'],
      dimensions: { pool: 'ci' },
    });
    expect(parameters(p, 'd')).toEqual({ needs: { b: ids(p)['b'], c: ids(p)['c'] }, params: {} });
    expect(parameters(p, 'a')).toEqual({ needs: {}, params: {} });
    // The id is questId of the desc normalized as the coordinator does (the name is not in it).
    const wire = d.desc;
    const normalized = normalizeQuestDesc({
      distributorConfigName: wire.distributor_config_name!,
      parameters: wire.parameters!,
      distributorParameters: wire.distributor_parameters!,
    });
    if ('error' in normalized) throw new Error(normalized.message);
    expect(d.questId).toBe(questId(normalized.ok));
    expect(d.questId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives the same ids to the same file, and new ids to a changed step and every step after it', () => {
    const before = ids(ok(DIAMOND));
    expect(ids(ok(DIAMOND))).toEqual(before);
    const changedB = ids(ok(DIAMOND.replace('[make, b]', '[make, b2]')));
    expect(changedB['a']).toBe(before['a']);
    expect(changedB['c']).toBe(before['c']);
    expect(changedB['b']).not.toBe(before['b']);
    expect(changedB['d']).not.toBe(before['d']);
    const changedA = ids(ok(DIAMOND.replace('[make, a]', '[make, a2]')));
    for (const name of ['a', 'b', 'c', 'd']) expect(changedA[name]).not.toBe(before[name]);
    // A run's name is not part of any id, nor is the order of the steps in the file.
    expect(ids(ok(`name: other\n${DIAMOND}`))).toEqual(before);
  });

  it('runs a string command with /bin/sh -c', () => {
    const p = ok('steps:\n  - name: s\n    command: echo hi > $DROVER_RESULT_FILE\n');
    expect(distributorParams(p, 's')['command']).toEqual([
      'drover',
      'graph',
      'step',
      '--',
      '/bin/sh',
      '-c',
      'echo hi > $DROVER_RESULT_FILE',
    ]);
  });

  it('merges defaults under every step: maps by key, the rest replaced by the step', () => {
    const p = ok(`
distributor: ci-tasks
defaults:
  dimensions: {pool: ci, os: linux}
  env: {A: '1', B: '2'}
  retry: {failed: 1, crashed: 3}
  params: {x: 1, y: 2}
  priority: 50
  tags: ['team:x']
  timeout: 600
steps:
  - name: one
    command: [make]
    dimensions: {os: mac}
    env: {B: '3'}
    retry: {failed: 2}
    params: {y: 3}
    priority: 10
    caches: ['npm:.npm', 'pip=.cache/pip']
    io-timeout: 30
    expiration: 120
    grace: 5
    cwd: src
    wait-for-capacity: false
  - name: two
    command: [make]
`);
    expect(p.steps.map((s) => s.desc.distributor_config_name)).toEqual(['ci-tasks', 'ci-tasks']);
    expect(distributorParams(p, 'one')).toEqual({
      command: ['drover', 'graph', 'step', '--', 'make'],
      dimensions: { pool: 'ci', os: 'mac' },
      env: { A: '1', B: '3' },
      priority: 10,
      tags: ['team:x'],
      caches: ['npm:.npm', 'pip:.cache/pip'],
      io_timeout: 30,
      relative_cwd: 'src',
      wait_for_capacity: false,
    });
    expect(p.steps[0]!.desc.meta).toEqual({
      as_account: '',
      retry: { failed: 2, crashed: 3, expired: 0, timed_out: 0 },
      timeouts: { start: 120, run: 600, stop: 5 },
    });
    expect(parameters(p, 'one')['params']).toEqual({ x: 1, y: 3 });
    expect(distributorParams(p, 'two')).toMatchObject({
      dimensions: { pool: 'ci', os: 'linux' },
      env: { A: '1', B: '2' },
      priority: 50,
    });
    expect(p.steps[1]!.desc.meta?.retry).toEqual({
      failed: 1,
      crashed: 3,
      expired: 0,
      timed_out: 0,
    });
  });

  it('refuses a cycle, naming its steps', () => {
    expect(
      errors(`
steps:
  - {name: a, command: [x], needs: [c]}
  - {name: b, command: [x], needs: [a]}
  - {name: c, command: [x], needs: [b]}
`),
    ).toEqual(['steps: a cycle a → c → b → a']);
    expect(errors('steps:\n  - {name: a, command: [x], needs: [a]}\n')).toEqual([
      'steps[0] (a): needs "a": the step itself',
    ]);
  });

  it('refuses a need that names no step', () => {
    expect(
      errors(`
steps:
  - {name: a, command: [x]}
  - {name: b, command: [x], needs: [a, x]}
`),
    ).toEqual(['steps[1] (b): needs "x": no such step']);
  });

  it('refuses bad and duplicate names, unknown keys, bad retry counts and timeouts, naming the step', () => {
    expect(
      errors(`
bogus: 1
steps:
  - {name: 'a b', command: [x]}
  - {command: [x]}
  - {name: ok, command: [x], colour: red}
  - {name: ok, command: [x]}
  - {name: r, command: [x], retry: {failed: -1, often: 2}}
  - {name: t, command: [x], timeout: 0, grace: 99999, expiration: 1.5}
  - {name: n, needs: [ok]}
  - {name: e, command: [], env: {A: 1}, dimensions: {pool: [ci, 2]}}
`),
    ).toEqual([
      'bogus: unknown key "bogus" (known: name, distributor, defaults, steps)',
      'steps[0]: name: "a b" is not a step name ([A-Za-z0-9_.-], 1 to 64 characters)',
      'steps[1]: name is required',
      expect.stringMatching(
        /^steps\[2\] \(ok\): colour: unknown key "colour" \(known: name, needs,/,
      ),
      'steps[3] (ok): name: "ok" is also the name of steps[2]',
      'steps[4] (r): retry.failed: must be a whole number from 0 to 4294967295, got -1',
      'steps[4] (r): retry.often: unknown key "often" (known: failed, crashed, expired, timed_out)',
      'steps[5] (t): timeout: must be a whole number from 1 to 604800 seconds, got 0',
      'steps[5] (t): expiration: must be a whole number from 1 to 604800 seconds, got 1.5',
      'steps[5] (t): grace: must be a whole number from 1 to 3600 seconds, got 99999',
      'steps[6] (n): command is required (a list: [make, test], or a string run by sh -c)',
      'steps[7] (e): command: must be a non-empty list of strings, or a string (sh -c)',
      'steps[7] (e): dimensions.pool: must be a string or a list of strings',
      'steps[7] (e): env.A: must be a string (quote it: "1")',
    ]);
  });

  it('refuses a file that is not a pipeline, and a bad run name', () => {
    expect(errors('- {name: a, command: [x]}\n')).toEqual([
      'must be a pipeline: a mapping with steps (and optionally name, defaults)',
    ]);
    expect(errors('steps: []\n')).toEqual(['steps: must be a non-empty list of steps']);
    expect(errors('name: a/b\nsteps: [{name: a, command: [x]}]\n')).toEqual([
      'name: "a/b" is not a run name ([A-Za-z0-9_.-], 1 to 128 characters)',
    ]);
    expect(errors('defaults: {needs: [a]}\nsteps: [{name: a, command: [x]}]\n')).toEqual([
      'defaults: needs: belongs to a step, not to defaults',
    ]);
    const many = Array.from({ length: 65 }, (_, i) => `  - {name: s${i}, command: [x]}`);
    expect(errors(`steps:\n${many.join('\n')}\n`)).toEqual(['steps: at most 64, got 65']);
  });

  it('names the run --name, else the file name, else the file name without its extension', () => {
    const text = 'steps: [{name: a, command: [x]}]\n';
    expect(ok(text, '/some/where/build.pipeline.yaml').name).toBe('build.pipeline');
    expect(ok(`name: nightly\n${text}`).name).toBe('nightly');
    const named = read(`name: nightly\n${text}`, 'x.yaml', 'adhoc');
    expect(named.ok && named.pipeline.name).toBe('adhoc');
    expect(ok(JSON.stringify({ steps: [{ name: 'a', command: ['x'] }] }), 'p.json').name).toBe('p');
  });
});

describe('chooseAttempts (drover graph run)', () => {
  const p = ok(DIAMOND);
  const q = ids(p);
  const latest = (entries: Record<string, [number, string]>) =>
    new Map(
      Object.entries(entries).map(([name, [attempt, state]]) => [q[name]!, { attempt, state }]),
    );
  const picked = (m: Map<string, { attempt: number; isNew: boolean }>) =>
    Object.fromEntries([...m].map(([name, c]) => [name, `${c.attempt}${c.isNew ? ' new' : ''}`]));

  it('creates attempt 1 of new quests, reuses finished and running ones', () => {
    expect(picked(chooseAttempts(p.steps, latest({}), false))).toEqual({
      a: '1 new',
      b: '1 new',
      c: '1 new',
      d: '1 new',
    });
    const all = latest({
      a: [1, 'FINISHED'],
      b: [2, 'FINISHED'],
      c: [1, 'EXECUTING'],
      d: [1, 'WAITING'],
    });
    expect(picked(chooseAttempts(p.steps, all, false))).toEqual({ a: '1', b: '2', c: '1', d: '1' });
  });

  it('gives a new attempt to a step that ended abnormally and to every step after it', () => {
    const failedB = latest({
      a: [1, 'FINISHED'],
      b: [1, 'ABNORMAL_FINISHED'],
      c: [1, 'FINISHED'],
      d: [1, 'ABNORMAL_FINISHED'],
    });
    expect(picked(chooseAttempts(p.steps, failedB, false))).toEqual({
      a: '1',
      b: '2 new',
      c: '1',
      d: '2 new',
    });
  });

  it('gives every step a new attempt with --rerun', () => {
    const all = latest({
      a: [1, 'FINISHED'],
      b: [3, 'FINISHED'],
      c: [1, 'FINISHED'],
      d: [1, 'FINISHED'],
    });
    expect(picked(chooseAttempts(p.steps, all, true))).toEqual({
      a: '2 new',
      b: '4 new',
      c: '2 new',
      d: '2 new',
    });
  });

  it('sends the quests, attempts, needs and the run in one request', () => {
    const req = ensureRequest(p, chooseAttempts(p.steps, latest({ a: [1, 'FINISHED'] }), false));
    expect(req.quests!.map((d) => d.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(req.attempts).toEqual([
      { quest: q['a'], id: 1 },
      { quest: q['b'], id: 1 },
      { quest: q['c'], id: 1 },
      { quest: q['d'], id: 1 },
    ]);
    expect(req.needs).toEqual([
      { attempt: { quest: q['b'], id: 1 }, needs: [{ quest: q['a'], id: 1 }] },
      { attempt: { quest: q['c'], id: 1 }, needs: [{ quest: q['a'], id: 1 }] },
      {
        attempt: { quest: q['d'], id: 1 },
        needs: [
          { quest: q['b'], id: 1 },
          { quest: q['c'], id: 1 },
        ],
      },
    ]);
    expect(req.run).toEqual({
      name: 'diamond',
      steps: [
        { name: 'a', attempt: { quest: q['a'], id: 1 }, needs: [] },
        { name: 'b', attempt: { quest: q['b'], id: 1 }, needs: ['a'] },
        { name: 'c', attempt: { quest: q['c'], id: 1 }, needs: ['a'] },
        { name: 'd', attempt: { quest: q['d'], id: 1 }, needs: ['b', 'c'] },
      ],
    });
  });
});

describe('failureLines (drover graph run)', () => {
  const view = (
    name: string,
    state: string,
    needs: string[],
    execution: number,
    abnormal?: [string, string],
  ) => ({
    name,
    depth: 0,
    needs,
    state,
    attempt: 1,
    execution,
    executionState: '',
    taskId: '',
    durationMs: undefined,
    abnormal: abnormal === undefined ? undefined : { status: abnormal[0], reason: abnormal[1] },
  });
  it('names each step that ended abnormally, and why a dependent did not run', () => {
    expect(
      failureLines([
        view('a', 'FINISHED', [], 1),
        view('b', 'ABNORMAL_FINISHED', ['a'], 3, ['FAILED', 'the task ended with exit code 1']),
        view('c', 'ABNORMAL_FINISHED', ['b'], 0, [
          'CANCELLED',
          'dependency q:1 ended ABNORMAL_FINISHED (FAILED)',
        ]),
      ]),
    ).toEqual([
      'step b ended ABNORMAL_FINISHED (FAILED): the task ended with exit code 1',
      'step c ended ABNORMAL_FINISHED (CANCELLED, not run: needs b): dependency q:1 ended ABNORMAL_FINISHED (FAILED)',
    ]);
    expect(failureLines([view('a', 'FINISHED', [], 1)])).toEqual([]);
  });
});
