// `drover graph …` against a real coordinator: the CLI command tree (apps/cli/src/graph.ts) run
// in-process with the env a graph execution's task gets, the bot scripted over a real stream.
import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test only: the CLI's graph commands need a real coordinator and a scripted bot, which live here
import { registerGraph } from '../../../cli/src/graph';
import type { RunningCoordinator } from '../../src/index';
import { readToken, startTestCoordinator, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { Payload, desc, waitForAttempt } from './graph-harness';

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
  let code = 0;
  const program = new Command('drover')
    .option('--server <host:port>')
    .option('--token <token>')
    .exitOverride();
  registerGraph(program, {
    rt: { env: { DROVER_SERVER: coord.grpcAddress, ...env }, cwd: dir.path, stdout, stderr },
    exitWith: (c) => (code = c),
  });
  await program.parseAsync(['graph', ...args], { from: 'user' });
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

describe('drover graph', () => {
  it('lets a payload activate, depend, read a dependency and finish', async () => {
    const token = readToken(dir.path, 'client');
    const created = await drover([
      '--token',
      token,
      'ensure',
      '--quest',
      JSON.stringify(desc('cli-A')),
      '--quest',
      JSON.stringify(desc('cli-B')),
      '--attempt',
      '0:1',
    ]);
    expect(created.code).toBe(0);
    const [qa, qb] = (JSON.parse(created.stdout) as { quest_ids: string[] }).quest_ids;

    const envOf = (p: Payload) => ({
      DROVER_EXECUTION_ID: `${p.id.quest}/${p.id.attempt}/${p.id.id}`,
      DROVER_EXECUTION_TOKEN: p.activationToken.toString('base64url'),
    });
    const a1 = await Payload.next(bot);
    expect((await drover(['activate'], envOf(a1))).code).toBe(0);
    expect((await drover(['activate'], envOf(a1))).code).toBe(0);
    const halt = await drover(['ensure', '--dep', `${qb}:1`, '--halt-exit-code', '42'], envOf(a1));
    expect(halt).toMatchObject({ code: 42 });
    expect(JSON.parse(halt.stdout)).toMatchObject({ should_halt: true });
    a1.exit(0);

    const b1 = await Payload.next(bot);
    await drover(['activate'], envOf(b1));
    expect((await drover(['finish', '{"n": 41}'], envOf(b1))).code).toBe(0);
    b1.exit(0);

    const a2 = await Payload.next(bot);
    await drover(['activate'], envOf(a2));
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

  it('refuses to run a payload command outside an execution', async () => {
    const res = await drover(['activate']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/DROVER_EXECUTION_ID/);
  });
});
