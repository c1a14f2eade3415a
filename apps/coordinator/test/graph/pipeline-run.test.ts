// `drover graph run <file>` end to end: a coordinator on loopback, two real drover-bot processes
// in pool `default`, and the real CLI run as a user runs it. Each step's task runs
// `drover graph step -- /bin/sh -c <the step's command>`, `drover` being the one the bot puts in
// every task's PATH; the commands read the results of the steps they need from
// $DROVER_DEPS_DIR/<step>.json and write theirs to $DROVER_RESULT_FILE, and count their runs in
// files under $OUT (a directory of this test's).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphClient } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tempDir,
} from '../harness';
import { graphStub } from './graph-harness';
import { DROVER_CLI } from './real-bot-payloads';

/** Small, so a lost bot is noticed; large enough for a busy 2-core machine. */
const PING_TOLERANCE_SECS = 6;
/** Each step starts node for `drover graph step`: a few seconds a step on a loaded machine. */
const RUN_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 200_000;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: GraphClient;
let token: string;
const bots: ChildProcess[] = [];

beforeAll(async () => {
  dir = tempDir('drover-pipeline-run-');
  coord = await startTestCoordinator(dir.path, { botPingToleranceSecs: PING_TOLERANCE_SECS });
  stub = graphStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
  for (const id of ['pipeline-bot-1', 'pipeline-bot-2']) {
    bots.push(await startBotProcess(coord, dir.path, id, ['--pool', 'default']));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(bots.map((b) => stopProcess(b)));
  stub?.close();
  await coord?.close();
  dir?.remove();
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `drover graph run <args>` as a user runs it, with the client token; resolves at its end. */
function graphRun(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DROVER_CLI, 'graph', 'run', ...args], {
      cwd: dir.path,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir.path,
        DROVER_SERVER: coord.grpcAddress,
        DROVER_TOKEN: token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** A directory for one test's files; `$OUT` in its steps' environment. */
function outDir(name: string): string {
  const path = join(dir.path, 'out', name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Writes a pipeline file (YAML) into `out` and returns its path. */
function pipelineFile(out: string, name: string, yaml: string): string {
  const path = join(out, name);
  writeFileSync(path, yaml);
  return path;
}

/** The lines of a file, or none when it does not exist. */
function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

const taskCount = () => coord.store.countTasks({});

interface RunStepJson {
  name: string;
  attempt: { quest: string; id: number };
  needs: string[];
  state: string;
}

/** The steps of the Run printed last by --json, by name. */
function finalRun(stdout: string): { id: string; steps: Map<string, RunStepJson> } {
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    id: string;
    steps: RunStepJson[];
  };
  return { id: last.id, steps: new Map(last.steps.map((s) => [s.name, s])) };
}

async function attemptOf(step: RunStepJson | undefined) {
  return coord.store.getAttempt({ quest: step!.attempt.quest, attempt: step!.attempt.id });
}

describe('drover graph run: a diamond a → {b, c} → d from a file', () => {
  let out: string;
  let file: string;

  beforeAll(() => {
    out = outDir('diamond');
    // Each step records that it ran; b and c embed a's result in theirs, d embeds b's and c's and
    // records which dependency files it was given.
    file = pipelineFile(
      out,
      'diamond.yaml',
      `name: diamond
defaults:
  dimensions: {pool: default}
  env: {OUT: ${JSON.stringify(out)}}
steps:
  - name: a
    command: |
      echo a >> "$OUT/runs"
      echo '{"name": "a"}' > "$DROVER_RESULT_FILE"
  - name: b
    needs: [a]
    command: |
      echo b >> "$OUT/runs"
      printf '{"name": "b", "a": %s}' "$(cat "$DROVER_DEPS_DIR/a.json")" > "$DROVER_RESULT_FILE"
  - name: c
    needs: [a]
    command: |
      echo c >> "$OUT/runs"
      printf '{"name": "c", "a": %s}' "$(cat "$DROVER_DEPS_DIR/a.json")" > "$DROVER_RESULT_FILE"
  - name: d
    needs: [b, c]
    command: |
      echo d >> "$OUT/runs"
      ls "$DROVER_DEPS_DIR" > "$OUT/d.deps"
      printf '{"name": "d", "b": %s, "c": %s}' "$(cat "$DROVER_DEPS_DIR/b.json")" \\
        "$(cat "$DROVER_DEPS_DIR/c.json")" > "$DROVER_RESULT_FILE"
`,
    );
  });

  it(
    "runs every step once, d reading b's and c's results, which read a's; exits 0",
    async () => {
      const before = await taskCount();
      const run = await graphRun([file, '--json']);
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      const { id, steps } = finalRun(run.stdout);
      expect(id).toMatch(/^run-[a-z2-7]{16}$/);
      expect([...steps.values()].map((s) => [s.name, s.state, s.attempt.id])).toEqual([
        ['a', 'FINISHED', 1],
        ['b', 'FINISHED', 1],
        ['c', 'FINISHED', 1],
        ['d', 'FINISHED', 1],
      ]);
      expect(steps.get('d')!.needs).toEqual(['b', 'c']);
      // Every line before the Run is a Run.Step (canonical JSON), the last one per step FINISHED.
      const changes = run.stdout
        .trim()
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l) as RunStepJson);
      for (const name of ['a', 'b', 'c', 'd']) {
        const mine = changes.filter((c) => c.name === name);
        expect(mine.at(-1)?.state, name).toBe('FINISHED');
        expect(Object.keys(mine[0]!).sort()).toEqual(['attempt', 'name', 'needs', 'state']);
      }

      const a = '{"name":"a"}';
      const d = await attemptOf(steps.get('d'));
      expect(d?.result?.object).toBe(
        `{"b":{"a":${a},"name":"b"},"c":{"a":${a},"name":"c"},"name":"d"}`,
      );
      expect(lines(join(out, 'd.deps'))).toEqual(['b.json', 'c.json']);
      expect(lines(join(out, 'runs')).sort()).toEqual(['a', 'b', 'c', 'd']);
      expect((await taskCount()) - before).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'reuses all four results when run again, starting no task',
    async () => {
      const before = await taskCount();
      const run = await graphRun([file]);
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^run run-[a-z2-7]{16} \(diamond\): 4 steps, 0 new, 4 reused\n/);
      for (const name of ['a', 'b', 'c', 'd']) {
        expect(run.stdout).toMatch(new RegExp(`^${name} +FINISHED +#1\\.1 `, 'm'));
      }
      expect(await taskCount()).toBe(before);
      expect(lines(join(out, 'runs'))).toHaveLength(4);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'runs every step again with --rerun, as new attempts',
    async () => {
      const before = await taskCount();
      const run = await graphRun([file, '--rerun', '--json', '--name', 'diamond-again']);
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      const { steps } = finalRun(run.stdout);
      expect([...steps.values()].map((s) => [s.name, s.state, s.attempt.id])).toEqual([
        ['a', 'FINISHED', 2],
        ['b', 'FINISHED', 2],
        ['c', 'FINISHED', 2],
        ['d', 'FINISHED', 2],
      ]);
      expect((await attemptOf(steps.get('d')))?.result?.object).toMatch(/^\{"b":\{"a":/);
      expect(lines(join(out, 'runs')).sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd']);
      expect((await taskCount()) - before).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('drover graph run: retries and failures', () => {
  it(
    'retries a step that fails twice with retry {failed: 2}; it succeeds the third time',
    async () => {
      const out = outDir('flaky');
      const file = pipelineFile(
        out,
        'flaky.yaml',
        `defaults:
  dimensions: {pool: default}
  env: {OUT: ${JSON.stringify(out)}}
steps:
  - name: flaky
    retry: {failed: 2}
    command: |
      n=$(( $(cat "$OUT/count" 2>/dev/null || echo 0) + 1 ))
      echo "$n" > "$OUT/count"
      if [ "$n" -lt 3 ]; then exit 1; fi
      echo "{\\"tries\\": $n}" > "$DROVER_RESULT_FILE"
`,
      );
      const run = await graphRun([file, '--json']);
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      const flaky = finalRun(run.stdout).steps.get('flaky');
      expect(flaky?.state).toBe('FINISHED');
      const attempt = await attemptOf(flaky);
      expect(attempt).toMatchObject({ numExecutions: 3, result: { object: '{"tries":3}' } });
      const executions = await coord.store.listExecutions({
        quest: flaky!.attempt.quest,
        attempt: flaky!.attempt.id,
      });
      expect(executions.map((e) => [e.state, e.abnormalFinish?.status])).toEqual([
        ['ABNORMAL_FINISHED', 'FAILED'],
        ['ABNORMAL_FINISHED', 'FAILED'],
        ['FINISHED', undefined],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 3 naming a step that fails beyond its policy (or sends a malformed result); what needs it ends without running',
    async () => {
      const out = outDir('broken');
      const file = pipelineFile(
        out,
        'broken.yaml',
        `defaults:
  dimensions: {pool: default}
  env: {OUT: ${JSON.stringify(out)}}
steps:
  - name: fine
    command: echo fine >> "$OUT/runs"
  - name: bad
    retry: {failed: 1}
    command: echo bad >> "$OUT/runs"; exit 1
  - name: after
    needs: [bad]
    command: echo after >> "$OUT/runs"
  - name: last
    needs: [after, fine]
    command: echo last >> "$OUT/runs"
  - name: malformed
    command: echo malformed >> "$OUT/runs"; echo 'not json' > "$DROVER_RESULT_FILE"
`,
      );
      const before = await taskCount();
      const run = await graphRun([file, '--json']);
      expect(run.code, run.stderr).toBe(3);
      const stderr = run.stderr.trim().split('\n');
      expect(stderr).toEqual([
        expect.stringMatching(/^drover: step bad ended ABNORMAL_FINISHED \(FAILED\)/),
        expect.stringMatching(
          /^drover: step after ended ABNORMAL_FINISHED \(CANCELLED, not run: needs bad\): dependency /,
        ),
        expect.stringMatching(
          /^drover: step last ended ABNORMAL_FINISHED \(CANCELLED, not run: needs after\): dependency /,
        ),
        expect.stringMatching(
          /^drover: step malformed ended ABNORMAL_FINISHED \(RESULT_MALFORMED\)/,
        ),
      ]);
      const { steps } = finalRun(run.stdout);
      expect([...steps.values()].map((s) => [s.name, s.state])).toEqual([
        ['fine', 'FINISHED'],
        ['bad', 'ABNORMAL_FINISHED'],
        ['after', 'ABNORMAL_FINISHED'],
        ['last', 'ABNORMAL_FINISHED'],
        ['malformed', 'ABNORMAL_FINISHED'],
      ]);
      // A step that writes no result file finishes with {}.
      expect((await attemptOf(steps.get('fine')))?.result?.object).toBe('{}');
      expect(await attemptOf(steps.get('bad'))).toMatchObject({
        numExecutions: 2,
        abnormalFinish: { status: 'FAILED' },
      });
      for (const name of ['after', 'last']) {
        expect(await attemptOf(steps.get(name)), name).toMatchObject({
          numExecutions: 0,
          abnormalFinish: { status: 'CANCELLED' },
        });
      }
      // fine and malformed once, bad twice (one retry); after and last never ran: no task.
      expect(lines(join(out, 'runs')).sort()).toEqual(['bad', 'bad', 'fine', 'malformed']);
      expect((await taskCount()) - before).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('drover graph step: a step that adds a dependency of its own', () => {
  it(
    'halts (no result sent, exit 0), runs again once the dependency is done and reads its result',
    async () => {
      const out = outDir('halt');
      // The quest the step depends on at run time: a `drover graph step` of its own, named.
      const helper = {
        distributor_config_name: 'drover',
        name: 'helper',
        parameters: JSON.stringify({ out }),
        distributor_parameters: JSON.stringify({
          command: [
            'drover',
            'graph',
            'step',
            '--',
            'sh',
            '-c',
            `echo '{"h": 1}' > "$DROVER_RESULT_FILE"`,
          ],
          dimensions: { pool: 'default' },
        }),
      };
      writeFileSync(join(out, 'helper.json'), JSON.stringify(helper));
      const file = pipelineFile(
        out,
        'halt.yaml',
        `defaults:
  dimensions: {pool: default}
  env: {OUT: ${JSON.stringify(out)}}
steps:
  - name: outer
    command: |
      if [ ! -f "$OUT/halted" ]; then
        touch "$OUT/halted"
        drover graph ensure --quest "$(cat "$OUT/helper.json")" --attempt 0:1 --dep 0:1 > "$OUT/ensure.json"
        exit 0
      fi
      ls "$DROVER_DEPS_DIR" > "$OUT/deps"
      printf '{"helper": %s}' "$(cat "$DROVER_DEPS_DIR/helper.json")" > "$DROVER_RESULT_FILE"
`,
      );
      const run = await graphRun([file, '--json']);
      expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(readFileSync(join(out, 'ensure.json'), 'utf8'))).toMatchObject({
        should_halt: true,
      });
      const outer = finalRun(run.stdout).steps.get('outer');
      expect(await attemptOf(outer)).toMatchObject({
        state: 'FINISHED',
        numExecutions: 2,
        result: { object: '{"helper":{"h":1}}' },
      });
      const executions = await coord.store.listExecutions({
        quest: outer!.attempt.quest,
        attempt: outer!.attempt.id,
      });
      expect(executions.map((e) => [e.state, e.shouldHalt])).toEqual([
        ['FINISHED', true],
        ['FINISHED', false],
      ]);
      expect(lines(join(out, 'deps'))).toEqual(['helper.json']);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('drover graph run: a bad file', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'cycle',
      `steps:
  - {name: a, command: 'true', needs: [b], dimensions: {pool: default}}
  - {name: b, command: 'true', needs: [a], dimensions: {pool: default}}
`,
      /^drover: .*refused-cycle\.yaml: steps: a cycle a → b → a$/,
    ],
    [
      'unknown-need',
      `steps:
  - {name: a, command: 'true', dimensions: {pool: default}}
  - {name: b, command: 'true', needs: [a, x], dimensions: {pool: default}}
`,
      /^drover: .*refused-unknown-need\.yaml: steps\[1\] \(b\): needs "x": no such step$/,
    ],
  ];

  it.each(cases)(
    'is refused with exit 2 before anything is created (%s), the step named',
    async (name, yaml, message) => {
      const out = outDir(`refused-${name}`);
      const file = pipelineFile(out, `refused-${name}.yaml`, yaml);
      const tasks = await taskCount();
      const run = await graphRun([file]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toMatch(message);
      const runs = await call<{ runs: unknown[] }>(
        (md, cb) => stub.ListRuns({ name_glob: 'refused-*' }, md, cb),
        bearer(token),
      );
      expect(runs.runs).toEqual([]);
      expect(await taskCount()).toBe(tasks);
    },
    TEST_TIMEOUT_MS,
  );
});
