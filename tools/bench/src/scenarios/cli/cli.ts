import { createDroverClient, type DroverClient } from '@drover/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTaskRequest } from '../../clients/tasks-client';
import { startReplicaSet } from '../../harness/coordinator-replicas';
import { waitFinal } from '../../harness/drover-rig';
import { startRealBot, type RealBot } from '../../harness/real-bot';
import { gitState } from '../../harness/result-file';
import { numberOption, type Scenario, type ScenarioContext } from '../../harness/scenario';
import { SQLITE_ONE } from '../../harness/store-choice';
import { cliFigures, GOAL, STRETCH } from './cli-report';
import { contenders, measureCli, type CliRounds, type Contender, type TimedRun } from './cli-runs';
import { releasedCli, type ReleasedCli } from './release-binary';

const POOL = 'default';

/**
 * cli: the released `drover` (release/drover, a Node single executable) must answer
 * `--version` and `submit` within 3× the wall time of `node -e 0` (stretch 2×). Times, spawn →
 * exit, `node -e 0`, then `--version`, `submit -d pool=default -- true` and `result <id>` through
 * the released executable and through the development bin (`node apps/cli/bin/drover.js`, tsx),
 * against a coordinator (from sources, SQLite in a temp dir, 127.0.0.1 port 0) and one real bot in
 * pool `default`. Prints each command's median and p90, its ratio to `node -e 0`'s median and the
 * dev/released ratio; figures only, no assertion.
 *
 * release/drover is built first (`node tools/bin/release.js`, ~30 s) when missing or with
 * `--build=1`. Options: --rounds (3) --runs (20: node and released, per round) --dev-runs (3: each
 * dev-bin command per round, ~1.5 s a run) --warmup (2 runs of every contender) --build (0).
 * 2–3 minutes on 2 cores (most of it the dev bin's runs and the released submits).
 */
export const cli: Scenario = {
  name: 'cli',
  description: 'released `drover` --version/submit/result vs `node -e 0` and the dev bin: ratios',
  async run(ctx) {
    const schedule = {
      rounds: numberOption(ctx, 'rounds', 3),
      runs: numberOption(ctx, 'runs', 20),
      devRuns: numberOption(ctx, 'dev-runs', 3),
      warmupRuns: numberOption(ctx, 'warmup', 2),
    };
    const rebuild = ctx.options['build'] === '1';
    const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-cli-'));
    try {
      const released = await releasedCli(ctx, rebuild, tmp);
      ctx.progress(
        `measuring ${released.version}; starting a coordinator and a bot in pool ${POOL}`,
      );
      const { list, m } = await againstCoordinator(ctx, released, (list, cwd, after) =>
        measureCli(ctx, schedule, list, cwd, after),
      );
      const benchRssMiB = process.memoryUsage().rss / 2 ** 20;
      const report = cliFigures(list, m);
      return {
        parameters: {
          ...schedule,
          build: rebuild,
          released: released.version,
          releasedOrigin: released.origin,
          baseline: `${process.execPath} -e 0 (node ${process.version})`,
          devBin: 'node apps/cli/bin/drover.js (TypeScript through tsx)',
          commands: list.map((c) => c.label),
          coordinator: 'from sources in a child process, SQLite in a temp dir, 127.0.0.1 port 0',
          bot: `1 real drover-bot (apps/bot, from sources) in pool ${POOL}`,
          goal: `released --version and submit ≤ ${GOAL}× node -e 0 (stretch ${STRETCH}×)`,
        },
        figures: report.figures,
        values: [
          ...report.values,
          { name: 'release/drover size', value: released.sizeBytes / 2 ** 20, unit: 'MiB' },
          { name: 'RSS of the bench process (spawns every run)', value: benchRssMiB, unit: 'MiB' },
        ],
        notes: [
          report.verdict,
          originNote(released, gitState(ctx.root).commit),
          `Wall time from just before the spawn to the exit seen, each run a fresh process spawned by the bench process (stdout and stderr piped, cwd the repository root, no DROVER_* variable: --server and --token-file say where). Every iteration of a round runs each contender once, in an order rotated by one each time; the dev bin's commands take part in ${Math.min(schedule.devRuns, schedule.runs)} of the ${schedule.runs} iterations of a round (so their p90 is about their slowest run). Ratios: per round, one median ÷ the other, then the median over the rounds [min–max].`,
          `submit exits once the id is printed; the task (\`true\`) is then waited for outside the timing, so that the bot's run does not overlap the next measurement. result reads one COMPLETED task. The coordinator and the bot run from sources through tsx, as in the other scenarios.`,
        ],
      };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};

type Measure = (
  list: readonly Contender[],
  cwd: string,
  after: (c: Contender, run: TimedRun) => Promise<void>,
) => Promise<CliRounds>;

/**
 * A coordinator and one bot in pool `default` around `measure`, with one finished task for
 * `drover result`; every submit's task is waited for to the end. Stops them all, also on failure.
 */
async function againstCoordinator(
  ctx: ScenarioContext,
  released: ReleasedCli,
  measure: Measure,
): Promise<{ list: Contender[]; m: CliRounds }> {
  const set = await startReplicaSet(ctx, { store: SQLITE_ONE, prefix: 'drover-bench-cli-coord-' });
  let bot: RealBot | undefined;
  let client: DroverClient | undefined;
  try {
    const server = set.address(0);
    bot = startRealBot({
      root: ctx.root,
      address: server,
      token: set.tokens.bot,
      dataDir: join(set.dataDir, 'bot-data'),
      botId: 'bench-cli-bot',
      pool: POOL,
    });
    const c = (client = createDroverClient({ server, token: set.tokens.client }));
    const completed = async (taskId: string, what: string) => {
      const result = await waitFinal(c, taskId, 60_000, ctx.signal);
      if (result.state !== 'COMPLETED') throw new Error(`${what} ended ${String(result.state)}`);
    };
    const { task_id } = await c.newTask(benchTaskRequest({ pool: POOL }), {
      deadlineMs: 30_000,
      signal: ctx.signal,
    });
    await completed(task_id, 'the first task (the bot connected?)');
    const list = contenders(ctx.root, {
      released: released.path,
      server,
      tokenFile: join(set.dataDir, 'client.token'),
      finishedTaskId: task_id,
    });
    const m = await measure(list, ctx.root, async (who, run) => {
      if (who.command !== 'submit') return;
      const id = run.stdout.trim();
      if (!/^\S+$/.test(id)) {
        throw new Error(`${who.label} printed ${JSON.stringify(run.stdout)}, not a task id`);
      }
      await completed(id, `the task of ${who.label}`);
    });
    return { list, m };
  } finally {
    await bot?.stop();
    client?.close();
    await set.close();
  }
}

function originNote(r: ReleasedCli, head: string): string {
  const how =
    r.origin.kind === 'found'
      ? `release/drover as found (written ${r.origin.builtAt.toISOString()}; --build=1 rebuilds it)`
      : `release/drover built by this run with node tools/bin/release.js (${r.origin.why}, ${(r.origin.buildMs / 1000).toFixed(0)} s)`;
  const stale = r.version.includes(head)
    ? ''
    : ` It was not built from HEAD (${head.slice(0, 12)}): the figures are that build's.`;
  return `${how}, measured from a copy in a temp dir: \`${r.version}\`.${stale}`;
}
