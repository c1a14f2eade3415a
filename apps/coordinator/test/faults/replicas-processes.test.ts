// Three coordinator processes on one PostgreSQL database, real bots spread over them (each with
// the list of all three, its own first), 200 tasks (DROVER_REPLICA_TASKS=N for more) submitted
// round-robin to the three: every task ends, and each ran exactly once (its payload appends its
// id to a shared ledger). Then the same with one replica killed with SIGKILL mid-run: its bots
// move to the next server on their list, their running tasks finish and are recorded there,
// nothing is lost and nothing runs twice. Skipped with one line when no PostgreSQL answers at DROVER_TEST_PG_URL.
// DROVER_REPLICA_TASKS sets the count: the default run keeps CI short; the soak runs 2000
// (`DROVER_REPLICA_TASKS=2000 npx vitest run apps/coordinator/test/faults/replicas-processes.test.ts`).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropPgSchema, pgReachable } from '@drover/state';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../harness';
import {
  freePort,
  startBot,
  startCoordinatorChild,
  type CoordinatorChild,
  type LoggedProcess,
} from './child-processes';
import { waitUntil } from './conditions';
import { shTask, TasksApi } from './tasks-api';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const TASKS = Number(process.env['DROVER_REPLICA_TASKS'] ?? 200);
const BOTS_PER_REPLICA = 2;
const FLAGS = ['--bot-ping-tolerance', '10', '--heartbeat-interval', '2'];

const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: replicas skipped');

interface Cluster {
  readonly dir: ReturnType<typeof tempDir>;
  readonly schema: string;
  readonly addresses: string[];
  readonly coordinators: CoordinatorChild[];
  readonly bots: LoggedProcess[];
  readonly clients: TasksApi[];
}

let cluster: Cluster | undefined;

afterEach(async () => {
  const c = cluster;
  cluster = undefined;
  if (c === undefined) return;
  for (const api of c.clients) api.close();
  await Promise.all(c.bots.map((b) => b.stop()));
  await Promise.all(c.coordinators.map((co) => co.proc.stop()));
  await dropPgSchema(PG_URL, c.schema);
  c.dir.remove();
});

/** Three replicas on fixed free ports (bots list them), then two bots homed on each. */
async function startCluster(): Promise<Cluster> {
  const dir = tempDir('drover-replicas-proc-');
  const schema = `drover_test_${randomBytes(6).toString('hex')}`;
  const addresses = await Promise.all([0, 1, 2].map(async () => `127.0.0.1:${await freePort()}`));
  const c: Cluster = { dir, schema, addresses, coordinators: [], bots: [], clients: [] };
  cluster = c;
  const store = ['--store', PG_URL, '--store-schema', schema, ...FLAGS];
  // The first writes the tokens file; the others share it (and the first's schema migration).
  c.coordinators.push(
    await startCoordinatorChild({ dataDir: dir.path, listen: addresses[0], extraArgs: store }),
  );
  const tokens = ['--tokens-file', join(dir.path, 'tokens.json')];
  c.coordinators.push(
    ...(await Promise.all(
      [1, 2].map((i) =>
        startCoordinatorChild({
          dataDir: join(dir.path, `replica-${i}`),
          listen: addresses[i],
          extraArgs: [...store, ...tokens],
        }),
      ),
    )),
  );
  const starts: Array<Promise<LoggedProcess>> = [];
  for (let home = 0; home < 3; home++) {
    const servers = [0, 1, 2].map((k) => addresses[(home + k) % 3]!).join(',');
    for (let n = 0; n < BOTS_PER_REPLICA; n++) {
      starts.push(
        startBot({
          server: servers,
          dataDir: dir.path,
          botId: `replica-${home}-bot-${n}`,
          extraArgs: ['--pool', 'default'],
        }),
      );
    }
  }
  c.bots.push(...(await Promise.all(starts)));
  c.clients.push(...addresses.map((a) => TasksApi.forDataDir(a, dir.path)));
  return c;
}

/** Submits TASKS tasks round-robin over the replicas, 60 in flight; their ids in order. */
async function submitAll(c: Cluster, ledger: string): Promise<string[]> {
  const ids: string[] = new Array<string>(TASKS);
  let next = 0;
  const worker = async () => {
    while (next < TASKS) {
      const i = next++;
      const created = await c.clients[i % 3]!.newTask(
        shTask(`echo $DROVER_TASK_ID >> ${ledger}`, { name: `rr-${i}`, tags: ['suite:replicas'] }),
      );
      ids[i] = created.task_id;
    }
  };
  await Promise.all(Array.from({ length: 60 }, worker));
  return ids;
}

/** How many times each task id appears in the ledger. */
function runCounts(ledger: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(ledger)) return counts;
  for (const line of readFileSync(ledger, 'utf8').split('\n')) {
    if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

async function waitAllFinal(api: TasksApi): Promise<void> {
  await waitUntil(
    'every task final',
    async () => (await api.count('QUERY_PENDING_RUNNING')) === 0 || undefined,
    { deadlineMs: 300_000, intervalMs: 500 },
  );
}

describe.skipIf(!REACHABLE)('three coordinator processes on one PostgreSQL', () => {
  it(`runs ${TASKS} tasks submitted round-robin, each exactly once`, async () => {
    const c = await startCluster();
    const ledger = join(c.dir.path, 'ran.txt');
    const ids = await submitAll(c, ledger);
    await waitAllFinal(c.clients[0]!);

    expect(await c.clients[1]!.count('QUERY_COMPLETED_SUCCESS')).toBe(TASKS);
    const counts = runCounts(ledger);
    expect(counts.size).toBe(TASKS);
    for (const id of ids) expect(counts.get(id), id).toBe(1);
    // All three replicas dispatched (their bots ran tasks of every replica's submissions).
    const byBot = new Set((await c.clients[2]!.list('QUERY_COMPLETED', 1000)).map((r) => r.bot_id));
    expect(byBot.size).toBe(3 * BOTS_PER_REPLICA);
  }, 400_000);

  it(`loses nothing when one replica is killed with SIGKILL mid-run`, async () => {
    const c = await startCluster();
    const ledger = join(c.dir.path, 'ran.txt');
    const ids = await submitAll(c, ledger);
    await waitUntil('a third of the tasks run', () => runCounts(ledger).size >= TASKS / 3, {
      deadlineMs: 120_000,
      intervalMs: 50,
    });
    await c.coordinators[1]!.proc.kill9();

    const survivor = c.clients[2]!;
    await waitAllFinal(survivor);
    const counts = runCounts(ledger);
    // Nothing ran twice.
    for (const [id, n] of counts) expect(n, id).toBe(1);
    const completed = await survivor.count('QUERY_COMPLETED_SUCCESS');
    const botDied = await survivor.count('QUERY_BOT_DIED');
    // Every task is final and accounted for: completed (and run once), or BOT_DIED — only a
    // task the dead replica had just given a bot, the Assign lost with it, can end so (never
    // started, so never run; no automatic retry, DESIGN.md §2).
    expect(completed + botDied).toBe(TASKS);
    expect(botDied).toBeLessThanOrEqual(BOTS_PER_REPLICA);
    expect(counts.size).toBe(completed);
    for (const id of ids) expect(counts.get(id) ?? 0, id).toBeLessThanOrEqual(1);
    // The dead replica's bots are still alive, now connected elsewhere.
    expect(c.bots.every((b) => b.running)).toBe(true);
  }, 400_000);
});
