// `drover graph …` against a real coordinator: the CLI (apps/cli/src/program.ts, runCli) run
// in-process with the env a graph execution's task gets, the bot scripted over a real stream.
import type { GraphDataOut, QuestDescWire } from '@drover/protocol';
import { normalizeQuestDesc, questId } from '@drover/state';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the CLI's graph commands need a real coordinator and a scripted bot, which live here
import { runCli } from '../../../cli/src/program';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startTestCoordinator, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, ensure, graphStub, waitForAttempt } from './graph-harness';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ScriptedBot;

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  bot = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  bot.hello('cli-bot');
  await bot.next((m) => m.msg === 'welcome');
});

afterEach(async () => {
  bot.crash();
  await coord.close();
  dir.remove();
});

/** Runs `drover graph <args>` with `env`; resolves with its exit code and output. */
async function drover(args: string[], env: Record<string, string> = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await runCli(['graph', ...args], {
    env: { DROVER_SERVER: coord.grpcAddress, ...env },
    cwd: dir.path,
    stdout,
    stderr,
  });
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** A quest desc (graph-harness desc()) whose id begins with `prefix`, found by trying names. */
function descWithIdPrefix(prefix: string): QuestDescWire {
  for (let i = 0; ; i++) {
    const wire = desc(`dashed-${i}`);
    const normalized = normalizeQuestDesc({
      distributorConfigName: wire.distributor_config_name ?? '',
      parameters: wire.parameters ?? '',
      distributorParameters: wire.distributor_parameters ?? '',
    });
    if ('error' in normalized) throw new Error(normalized.message);
    if (questId(normalized.ok).startsWith(prefix)) return wire;
  }
}

/** The env a payload's task gets for its execution. */
const envOf = (p: Payload) => ({
  DROVER_EXECUTION_ID: `${p.id.quest}/${p.id.attempt}/${p.id.id}`,
  DROVER_EXECUTION_TOKEN: p.activationToken.toString('base64url'),
});

/** `drover graph ensure` of quest cli-A and `second`, and A's attempt 1; their ids. */
async function ensureAWith(token: string, second: QuestDescWire): Promise<[string, string]> {
  const created = await drover([
    '--token',
    token,
    'ensure',
    '--quest',
    JSON.stringify(desc('cli-A')),
    '--quest',
    JSON.stringify(second),
    '--attempt',
    '0:1',
  ]);
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const [qa, qb] = (JSON.parse(created.stdout) as { quest_ids: string[] }).quest_ids;
  return [qa!, qb!];
}

/**
 * A's first execution activates (twice: it is idempotent) and depends on attempt 1 of `dep`,
 * halting (exit code 42); dep's execution finishes with `result`; A's second is activated and
 * returned, to read it.
 */
async function dependThenRead(dep: string, result: string): Promise<Payload> {
  const a1 = await Payload.next(bot);
  expect((await drover(['activate'], envOf(a1))).code).toBe(0);
  expect((await drover(['activate'], envOf(a1))).code).toBe(0);
  const halt = await drover(['ensure', '--dep', `${dep}:1`, '--halt-exit-code', '42'], envOf(a1));
  expect(halt).toMatchObject({ code: 42 });
  expect(JSON.parse(halt.stdout)).toMatchObject({ should_halt: true });
  a1.exit(0);
  const d1 = await Payload.next(bot);
  expect(d1.id.quest).toBe(dep);
  await drover(['activate'], envOf(d1));
  expect((await drover(['finish', result], envOf(d1))).code).toBe(0);
  d1.exit(0);
  const a2 = await Payload.next(bot);
  await drover(['activate'], envOf(a2));
  return a2;
}

describe('drover graph', () => {
  it('lets a payload activate, depend, read a dependency and finish', async () => {
    const token = readToken(dir.path, 'client');
    const [qa, qb] = await ensureAWith(token, desc('cli-B'));
    const a2 = await dependThenRead(qb!, '{"n": 41}');
    const read = await drover(['result', `${qb}:1`], envOf(a2));
    expect(read).toMatchObject({ code: 0, stdout: '{"n":41}\n' });
    await drover(['finish', '{"n": 42}'], envOf(a2));
    a2.exit(0);
    const done = await waitForAttempt(
      coord,
      { quest: qa!, attempt: 1 },
      (x) => x.state === 'FINISHED',
    );
    expect(done.result?.object).toBe('{"n":42}');

    // `drover graph walk` prints the GraphData in canonical JSON (docs/json.md): timestamps RFC
    // 3339, never `{seconds, nanos}`; enums by name; map keys strings.
    const walked = await drover([
      '--token',
      token,
      'walk',
      `${qa}:1`,
      '--results',
      '--executions',
      '--deps',
    ]);
    expect(walked).toMatchObject({ code: 0, stderr: '' });
    expect(walked.stdout).not.toMatch(/"seconds"|"nanos"/);
    const graph = JSON.parse(walked.stdout) as {
      quests: Record<string, { attempts: Record<string, Record<string, unknown>> }>;
    };
    const attempt = graph.quests[qa!]!.attempts['1']!;
    const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
    expect(attempt).toMatchObject({
      id: { quest: qa, id: 1 },
      data: {
        state: 'FINISHED',
        created: expect.stringMatching(rfc3339),
        modified: expect.stringMatching(rfc3339),
        result: { object: '{"n":42}', size: 8 },
      },
      fwd_deps: [{ quest: qb, id: 1 }],
    });
    const executions = Object.values(attempt['executions'] as Record<string, { data: object }>);
    expect(executions).toHaveLength(2);
    for (const e of executions)
      expect(e.data).toMatchObject({ created: expect.stringMatching(rfc3339) });
  });

  it("names an attempt whose quest id begins with '-V' as any other (result, walk, --dep)", async () => {
    // Quest ids are base64url: one in 64 begins with '-', and Commander read `drover graph result
    // -y0n…:1` as an unknown option (a diamond's payload exited 2), one beginning '-V' as
    // --version (exit 0, the version line for a result).
    const token = readToken(dir.path, 'client');
    const [qa, qd] = await ensureAWith(token, descWithIdPrefix('-V'));
    expect(qd).toMatch(/^-V/);
    const a2 = await dependThenRead(qd!, '{"d": 1}');
    expect(await drover(['result', `${qd}:1`], envOf(a2))).toEqual({
      code: 0,
      stdout: '{"d":1}\n',
      stderr: '',
    });
    a2.exit(0);
    // As a client, the dashed attempt first and after the options.
    for (const args of [
      ['walk', `${qd}:1`, '--results'],
      ['walk', '--results', '--depth', '-1', `${qa}:1`, `${qd}:1`],
    ]) {
      const walked = await drover(['--token', token, ...args]);
      expect(walked, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      const graph = JSON.parse(walked.stdout) as GraphDataOut;
      expect(graph.quests[qd!]?.attempts[1]?.data?.result?.object).toBe('{"d":1}');
    }
  });

  it('lets a payload create a quest and its attempt without depending on it (no client token)', async () => {
    const token = readToken(dir.path, 'client');
    const created = await drover([
      '--token',
      token,
      'ensure',
      '--quest',
      JSON.stringify(desc('cli-parent')),
      '--attempt',
      '0:1',
    ]);
    const [parent] = (JSON.parse(created.stdout) as { quest_ids: string[] }).quest_ids;
    const p = await Payload.next(bot);
    const env = {
      DROVER_EXECUTION_ID: `${p.id.quest}/${p.id.attempt}/${p.id.id}`,
      DROVER_EXECUTION_TOKEN: p.activationToken.toString('base64url'),
    };
    await drover(['activate'], env);
    const child = await drover(
      ['ensure', '--quest', JSON.stringify(desc('cli-child')), '--attempt', '0:1'],
      env,
    );
    expect(child).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(child.stdout)).toMatchObject({ should_halt: false });
    const [q] = (JSON.parse(child.stdout) as { quest_ids: string[] }).quest_ids;
    expect(await coord.store.getAttempt({ quest: q!, attempt: 1 })).toBeDefined();
    expect(p.id.quest).toBe(parent);
  });

  it('builds a quest from --param/--dist-param flags, the same quest as its raw JSON', async () => {
    const token = readToken(dir.path, 'client');
    const dp = { command: ['payload', 'flags'], dimensions: { pool: 'default' } };
    const raw = {
      distributor_config_name: 'drover',
      parameters: JSON.stringify({ a: 1, who: 'world', list: [1, 2] }),
      distributor_parameters: JSON.stringify(dp),
      meta: { retry: { failed: 2, crashed: 1 }, timeouts: { run: 600, start: 3600 } },
    };
    const flags = [
      '--distributor',
      'drover',
      '--name',
      'flag-built',
      '--param',
      'a=1',
      '--param',
      'who=world',
      '--param',
      'list=[1, 2]',
      '--dist-param',
      'command=["payload","flags"]',
      '--dist-param',
      'dimensions={"pool":"default"}',
      '--retry',
      'failed=2,crashed=1',
      '--timeout',
      'run=600,start=3600',
    ];
    const fromJson = await drover(['--token', token, 'ensure', '--quest', JSON.stringify(raw)]);
    const fromFlags = await drover(['--token', token, 'ensure', ...flags]);
    expect(fromJson).toMatchObject({ code: 0, stderr: '' });
    expect(fromFlags).toMatchObject({ code: 0, stderr: '' });
    const [viaJson] = (JSON.parse(fromJson.stdout) as { quest_ids: string[] }).quest_ids;
    expect(JSON.parse(fromFlags.stdout)).toEqual({ quest_ids: [viaJson], should_halt: false });
    // The quest keeps the display name it was created with (not part of its id).
    expect((await coord.store.getQuest(viaJson!))?.desc.name ?? '').toBe('');

    // Mixed: the --quest ones first, then the flag-built one; --attempt 1:1 is its attempt.
    const mixed = await drover([
      '--token',
      token,
      'ensure',
      '--quest',
      JSON.stringify(desc('mixed-0')),
      '--param',
      'mixed=1',
      '--dist-param',
      'command=["payload","mixed"]',
      '--dist-param',
      'dimensions={"pool":"default"}',
      '--attempt',
      '1:1',
    ]);
    expect(mixed).toMatchObject({ code: 0, stderr: '' });
    const [q0, q1] = (JSON.parse(mixed.stdout) as { quest_ids: string[] }).quest_ids;
    expect(await coord.store.getAttempt({ quest: q0!, attempt: 1 })).toBeUndefined();
    expect(await coord.store.getAttempt({ quest: q1!, attempt: 1 })).toBeDefined();

    for (const [bad, flag] of [
      [['--param', 'novalue'], '--param'],
      [['--dist-param', '=1'], '--dist-param'],
      [['--retry', 'failed=x'], '--retry'],
      [['--timeout', 'forever=1'], '--timeout'],
      [['--quest', '{not json'], '--quest'],
    ] as const) {
      const res = await drover(['--token', token, 'ensure', ...bad]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`drover: ${flag}`);
    }
  });

  it('lists runs by name and shows one as a tree of its steps (ls, show)', async () => {
    const token = readToken(dir.path, 'client');
    const stub = graphStub(coord.grpcAddress);
    try {
      // A run of two steps (b needs a), recorded by EnsureGraphData as `graph run` records it.
      const named = (name: string) => ({ ...desc(`dia-${name}`), name });
      const { quest_ids } = await ensure(stub, { quests: [named('a'), named('b')] }, token);
      const [qa, qb] = quest_ids.map((q) => q.id);
      const a1id = { quest: qa!, id: 1 };
      const b1id = { quest: qb!, id: 1 };
      const created = await ensure(
        stub,
        {
          attempts: [a1id, b1id],
          needs: [{ attempt: b1id, needs: [a1id] }],
          run: {
            name: 'diamond-cli',
            steps: [
              { name: 'a', attempt: a1id },
              { name: 'b', attempt: b1id, needs: ['a'] },
            ],
          },
        },
        token,
      );
      const runId = created.run_id;
      expect(runId).toMatch(/^run-[a-z2-7]{16}$/);

      // a finishes with a result; b fails (no retries): the run failed.
      const a1 = await Payload.next(bot);
      expect(a1.id.quest).toBe(qa);
      await drover(['activate'], envOf(a1));
      expect((await drover(['finish', '{"n": 1}'], envOf(a1))).code).toBe(0);
      a1.exit(0);
      const b1 = await Payload.next(bot);
      expect(b1.id.quest).toBe(qb);
      b1.exit(1);
      await waitForAttempt(
        coord,
        { quest: qb!, attempt: 1 },
        (x) => x.state === 'ABNORMAL_FINISHED',
      );

      // Another run, still running, under another name.
      const { quest_ids: others } = await ensure(stub, { quests: [named('other')] }, token);
      const o1id = { quest: others[0]!.id, id: 1 };
      const other = await ensure(
        stub,
        { attempts: [o1id], run: { name: 'other', steps: [{ name: 'o', attempt: o1id }] } },
        token,
      );

      const ls = await drover(['--token', token, 'ls', '--name', 'dia*']);
      expect(ls).toMatchObject({ code: 0, stderr: '' });
      const lsLines = ls.stdout.trimEnd().split('\n');
      expect(lsLines[0]).toMatch(/^RUN +NAME +CREATED +STEPS +STATE$/);
      expect(lsLines.slice(1)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${runId} +diamond-cli +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +1/2 +failed$`,
          ),
        ),
      ]);
      const all = await drover(['--token', token, 'ls']);
      expect(
        all.stdout
          .split('\n')
          .slice(1, 3)
          .map((l) => l.split(/ +/)[0]),
      ).toEqual([other.run_id, runId]);
      const limited = await drover(['--token', token, 'ls', '--limit', '1', '--json']);
      expect(limited).toMatchObject({ code: 0, stderr: '' });
      expect(limited.stdout.trimEnd().split('\n')).toHaveLength(1);
      const limitedTable = await drover(['--token', token, 'ls', '--limit', '1']);
      expect(limitedTable.stdout.trimEnd().split('\n')).toHaveLength(2);
      expect(limitedTable.stderr).toBe('more runs: use a larger --limit\n');
      expect(JSON.parse(limited.stdout)).toMatchObject({ id: other.run_id, name: 'other' });
      expect(await drover(['--token', token, 'ls', '--name', 'nothing*'])).toMatchObject({
        code: 0,
        stdout: '',
        stderr: 'no runs match\n',
      });

      const lsJson = await drover(['--token', token, 'ls', '--name', 'dia*', '--json']);
      const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
      const runJson = {
        id: runId,
        name: 'diamond-cli',
        created: expect.stringMatching(rfc3339),
        user: expect.any(String),
        pools: ['default'],
        steps: [
          { name: 'a', attempt: { quest: qa, id: 1 }, needs: [], state: 'FINISHED' },
          { name: 'b', attempt: { quest: qb, id: 1 }, needs: ['a'], state: 'ABNORMAL_FINISHED' },
        ],
      };
      expect(
        lsJson.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([runJson]);

      for (const ref of ['diamond-cli', runId]) {
        const show = await drover(['--token', token, 'show', ref]);
        expect(show).toMatchObject({ code: 0, stderr: '' });
        const text = show.stdout;
        expect(text).toMatch(
          new RegExp(`^run ${runId}  diamond-cli  failed, 1/2 steps finished\n`),
        );
        expect(text).toContain(`step a  FINISHED  attempt 1  result 7 bytes\n    quest ${qa}\n`);
        expect(text).toContain(`    execution 1  FINISHED  `);
        expect(text).toContain(
          `task ${a1.taskId}\n      drover result ${a1.taskId}; drover logs ${a1.taskId}\n`,
        );
        expect(text).toContain(`step b  ABNORMAL_FINISHED  attempt 1  needs a\n    quest ${qb}\n`);
        expect(text).toMatch(/ {4}FAILED/);
        expect(text).toContain(`task ${b1.taskId}`);
        expect(text.indexOf('step a')).toBeLessThan(text.indexOf('step b'));
      }

      const showJson = await drover(['--token', token, 'show', 'diamond-cli', '--json']);
      expect(showJson).toMatchObject({ code: 0, stderr: '' });
      const [runLine, graphLine, ...rest] = showJson.stdout.trimEnd().split('\n');
      expect(rest).toEqual([]);
      expect(JSON.parse(runLine!)).toEqual(runJson);
      const graph = JSON.parse(graphLine!) as {
        quests: Record<string, { attempts: Record<string, unknown> }>;
      };
      expect(graph.quests[qa!]!.attempts['1']).toMatchObject({
        data: { state: 'FINISHED', num_executions: 1, result: { size: 7 } },
        executions: { '1': { data: { state: 'FINISHED', task_id: a1.taskId } } },
      });
      expect(graph.quests[qb!]!.attempts['1']).toMatchObject({
        data: { state: 'ABNORMAL_FINISHED', abnormal_finish: { status: 'FAILED' } },
      });

      const unknown = await drover(['--token', token, 'show', 'no-such-run']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^drover: no run "no-such-run"/);
    } finally {
      stub.close();
    }
  });

  it('refuses to run a payload command outside an execution', async () => {
    const res = await drover(['activate']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/DROVER_EXECUTION_ID/);
  });
});
