// The dashboard's JSON API over real HTTP on a test coordinator whose tokens file grants roles
// per pool: authentication, pool filtering and the roles needed to act, and the one JSON shape
// (docs/json.md: the gRPC services' messages in canonical JSON). Bots are scripted bots on the
// real BotApi stream.
import {
  canonicalJson,
  type GraphClient,
  type QuestDescWire,
  type TasksClient,
} from '@drover/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { ensure, graphStub, Payload, waitForAttempt } from '../graph/graph-harness';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { ScriptedBot } from '../scripted-bot';
import { apiFetch, baseUrl, submitTask } from './dashboard-client';

const token = (who: string) => `drv_test_${who}`;
/** A google.protobuf.Timestamp in canonical JSON: RFC 3339 in UTC. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,9})?Z$/;
type Ided = { task_id: string };
const TOKENS_YAML = `version: 2
principals:
  - { name: viewer, sha256: ${hashToken(token('viewer'))}, roles: { a: [view] } }
  - { name: canceller, sha256: ${hashToken(token('canceller'))}, roles: { a: [cancel] } }
  - { name: pool-admin, sha256: ${hashToken(token('pool-admin'))}, roles: { a: [admin] } }
  - { name: other, sha256: ${hashToken(token('other'))}, roles: { b: [view] } }
  - { name: runs-viewer, sha256: ${hashToken(token('runs-viewer'))}, roles: { g: [view] } }
  - { name: admin, sha256: ${hashToken(token('admin'))}, admin: true }
botGroups:
  - { name: bots-a, sha256: ${hashToken(token('bots-a'))}, botIds: ['bot-a*'], dimensions: { pool: [a] } }
  - { name: bots-b, sha256: ${hashToken(token('bots-b'))}, botIds: ['bot-b*'], dimensions: { pool: [b] } }
`;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let tasks: TasksClient;
let graph: GraphClient;
const bots: ScriptedBot[] = [];
let taskA: string;
let taskB: string;

async function connectBot(id: string, group: string): Promise<void> {
  const b = new ScriptedBot(coord.grpcAddress, token(group));
  bots.push(b);
  b.hello(id);
  await b.next((m) => m.msg === 'welcome');
}

beforeAll(async () => {
  dir = tempDir();
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  coord = await startTestCoordinator(dir.path, { tokensFile });
  tasks = tasksStub(coord.grpcAddress);
  graph = graphStub(coord.grpcAddress);
  await connectBot('bot-a1', 'bots-a');
  await connectBot('bot-b1', 'bots-b');
  const nowhere = { dimensions: [{ key: 'os', value: 'Nowhere' }], waitForCapacity: true };
  taskA = await submitTask(tasks, token('admin'), { name: 'in a', pool: 'a', ...nowhere });
  taskB = await submitTask(tasks, token('admin'), { name: 'in b', pool: 'b', ...nowhere });
});

afterAll(async () => {
  for (const b of bots) b.crash();
  tasks.close();
  graph.close();
  await coord.close();
  dir.remove();
});

describe('dashboard API', () => {
  it('serves the page and its modules without a token, revalidated and locked down by CSP', async () => {
    const page = await fetch(`${baseUrl(coord)}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/static/app.js');
    const app = await fetch(`${baseUrl(coord)}/static/app.js`);
    expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const again = await fetch(`${baseUrl(coord)}/static/app.js`, {
      headers: { 'if-none-match': app.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  });

  it('answers 401 without a token or with an unknown one, and 403 to a bot token', async () => {
    expect((await apiFetch(coord, '/api/tasks', undefined)).status).toBe(401);
    expect((await apiFetch(coord, '/api/bots', 'drv_c_nope')).status).toBe(401);
    expect((await apiFetch(coord, '/api/me', token('bots-a'))).status).toBe(403);
  });

  it('lists only the tasks of pools the caller may view', async () => {
    const asViewer = await apiFetch(coord, '/api/tasks', token('viewer'));
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.items.map((t: Ided) => t.task_id)).toEqual([taskA]);
    expect(asViewer.body.cursor).toBe('');
    const asOther = await apiFetch(coord, '/api/tasks', token('other'));
    expect(asOther.body.items.map((t: Ided) => t.task_id)).toEqual([taskB]);
    const asAdmin = await apiFetch(coord, '/api/tasks?state=PENDING', token('admin'));
    expect(asAdmin.body.items.map((t: Ided) => t.task_id).sort()).toEqual([taskA, taskB].sort());
  });

  it('lists tasks as ListTasksResponse: TaskResults in canonical JSON', async () => {
    const { body } = await apiFetch(coord, '/api/tasks', token('viewer'));
    expect(Object.keys(body).sort()).toEqual(['cursor', 'items']);
    const t = body.items[0];
    expect(t).toMatchObject({
      task_id: taskA,
      name: 'in a',
      state: 'PENDING',
      bot_id: '',
      output_size: '0',
      failure: false,
      internal_failure: false,
      duration: 0,
      bot_dimensions: [],
      outputs: [],
    });
    expect(t.created_ts).toMatch(RFC3339);
    expect(t.tags).toContain('pool:a');
    // Unset messages and optional fields are left out; no camelCase twin of any field.
    expect(t).not.toHaveProperty('started_ts');
    expect(t).not.toHaveProperty('exit_code');
    expect(Object.keys(t).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });

  it('hides a task of another pool exactly like a missing one', async () => {
    const hidden = await apiFetch(coord, `/api/tasks/${taskB}`, token('viewer'));
    const missing = await apiFetch(coord, '/api/tasks/0000000000000000', token('viewer'));
    expect(hidden.status).toBe(403);
    expect(missing.status).toBe(403);
    const shown = await apiFetch(coord, `/api/tasks/${taskA}`, token('viewer'));
    expect(shown.body.name).toBe('in a');
    expect((await apiFetch(coord, `/api/tasks/${taskB}/request`, token('viewer'))).status).toBe(
      403,
    );
    expect((await apiFetch(coord, `/api/tasks/${taskB}/output`, token('viewer'))).status).toBe(403);
  });

  it("answers a task's result, request and output as GetResult, GetRequest and GetStdout do", async () => {
    const viaGrpc = (method: 'GetResult' | 'GetRequest' | 'GetStdout') =>
      call<object>(
        (md, cb) => {
          const req = { task_id: taskA, offset: 0, length: 0 };
          if (method === 'GetStdout') return tasks.GetStdout(req, md, cb);
          return method === 'GetResult'
            ? tasks.GetResult(req, md, cb)
            : tasks.GetRequest(req, md, cb);
        },
        bearer(token('admin')),
      );
    const result = await apiFetch(coord, `/api/tasks/${taskA}`, token('viewer'));
    expect(result.body).toEqual(canonicalJson('TaskResult', await viaGrpc('GetResult')));
    const request = await apiFetch(coord, `/api/tasks/${taskA}/request`, token('viewer'));
    expect(request.body).toEqual(canonicalJson('TaskRequest', await viaGrpc('GetRequest')));
    expect(request.body.task_slices[0].properties.dimensions).toContainEqual({
      key: 'pool',
      value: 'a',
    });
    expect(request.body.created_ts).toMatch(RFC3339);
    const output = await apiFetch(coord, `/api/tasks/${taskA}/output`, token('viewer'));
    expect(output.body).toEqual(canonicalJson('TaskOutput', await viaGrpc('GetStdout')));
    expect(output.body).toEqual({ offset: '0', output: '', state: 'PENDING', size: '0' });
  });

  it('counts pending tasks only in pools the caller may view', async () => {
    const { body } = await apiFetch(coord, '/api/tasks/pending', token('viewer'));
    expect(body.pools).toEqual([
      { pool: 'a', count: '1', oldest_created_ts: expect.stringMatching(RFC3339) },
    ]);
  });

  it('lists only the bots of pools the caller may view, with counts per pool', async () => {
    const { body } = await apiFetch(coord, '/api/bots', token('viewer'));
    expect(body.items.map((b: { bot_id: string }) => b.bot_id)).toEqual(['bot-a1']);
    expect(body.cursor).toBe('');
    expect(body.total).toBe('1');
    expect(body.items[0]).toMatchObject({ connected: true, is_dead: false, task_id: '' });
    expect(body.items[0].dimensions).toContainEqual({ key: 'pool', value: ['a'] });
    expect(body.items[0].last_seen_ts).toMatch(RFC3339);
    const one = await apiFetch(coord, '/api/bots/bot-a1', token('viewer'));
    expect(one.body.bot_id).toBe('bot-a1');
    expect(one.body.first_seen_ts).toMatch(RFC3339);
    const counts = await apiFetch(coord, '/api/bots/counts', token('admin'));
    expect(counts.body.pools).toEqual([
      { pool: 'a', count: '1', busy: '0', quarantined: '0', maintenance: '0', dead: '0' },
      { pool: 'b', count: '1', busy: '0', quarantined: '0', maintenance: '0', dead: '0' },
    ]);
    const asViewer = await apiFetch(coord, '/api/bots/counts', token('viewer'));
    expect(asViewer.body.pools.map((p: { pool: string }) => p.pool)).toEqual(['a']);
    const filtered = await apiFetch(coord, '/api/bots?dim=pool:b&status=idle', token('admin'));
    expect(filtered.body.items.map((b: { bot_id: string }) => b.bot_id)).toEqual(['bot-b1']);
  });

  it('needs the cancel role to cancel a task', async () => {
    const refused = await apiFetch(coord, `/api/tasks/${taskA}/cancel`, token('viewer'), {
      method: 'POST',
      body: {},
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('cancel role');
    const wrong = await apiFetch(coord, `/api/tasks/${taskA}/cancel`, token('canceller'), {
      method: 'POST',
      body: { kill_running: 'yes' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('kill_running');
    const done = await apiFetch(coord, `/api/tasks/${taskA}/cancel`, token('canceller'), {
      method: 'POST',
      body: { kill_running: false },
    });
    expect(done.body).toEqual({ canceled: true, was_running: false, state: 'CANCELED' });
  });

  it('needs the admin role to quarantine a bot, and unquarantines it again', async () => {
    const refused = await apiFetch(coord, '/api/bots/bot-a1/quarantine', token('viewer'), {
      method: 'POST',
      body: {},
    });
    expect(refused.status).toBe(403);
    const other = await apiFetch(coord, '/api/bots/bot-a1/quarantine', token('other'), {
      method: 'POST',
      body: {},
    });
    expect(other.status).toBe(403);
    const done = await apiFetch(coord, '/api/bots/bot-a1/quarantine', token('pool-admin'), {
      method: 'POST',
      body: { reason: 'disk check' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ bot_id: 'bot-a1', quarantined: true });
    expect(done.body.quarantined_reason).toBe('disk check');
    const back = await apiFetch(coord, '/api/bots/bot-a1/unquarantine', token('pool-admin'), {
      method: 'POST',
      body: {},
    });
    expect(back.body.quarantined).toBe(false);
  });

  it('answers a termination as TerminateBotResponse', async () => {
    const res = await apiFetch(coord, '/api/bots/bot-b1/terminate', token('admin'), {
      method: 'POST',
      body: { reason: 'retire' },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['task_id']);
    const task = await apiFetch(coord, `/api/tasks/${res.body.task_id}`, token('admin'));
    expect(task.body.priority).toBe(0);
  });

  it("answers a bot's events and tasks as ListBotEventsResponse and ListTasksResponse, paged", async () => {
    const all = await apiFetch(coord, '/api/bots/bot-a1/events', token('viewer'));
    expect(all.status).toBe(200);
    expect(Object.keys(all.body).sort()).toEqual(['cursor', 'items']);
    const types = all.body.items.map((e: { event_type: string }) => e.event_type);
    // Newest first: the quarantine test's two events, the connection before them.
    expect(types.slice(0, 2)).toEqual(['unquarantined', 'quarantined']);
    expect(types.length).toBeGreaterThanOrEqual(3);
    const first = all.body.items[0];
    expect(first.bot_id).toBe('bot-a1');
    expect(first.ts).toMatch(RFC3339);
    expect(first.message).toBe('unquarantined by pool-admin');
    const p1 = await apiFetch(coord, '/api/bots/bot-a1/events?limit=1', token('viewer'));
    expect(p1.body.items).toHaveLength(1);
    expect(p1.body.cursor).not.toBe('');
    const p2 = await apiFetch(
      coord,
      `/api/bots/bot-a1/events?limit=1&cursor=${encodeURIComponent(p1.body.cursor)}`,
      token('viewer'),
    );
    expect(p2.body.items).toEqual([all.body.items[1]]);
    const ran = await apiFetch(coord, '/api/bots/bot-a1/tasks', token('viewer'));
    expect(ran.status).toBe(200);
    expect(ran.body).toEqual({ items: [], cursor: '' });
    // An unknown bot is 404; a client of another pool learns nothing: a bot it may not view
    // answers exactly as a missing one does. A caller who may view no pool is refused.
    for (const what of ['', '/events', '/tasks']) {
      const hidden = await apiFetch(coord, `/api/bots/bot-a1${what}`, token('other'));
      const missing = await apiFetch(coord, `/api/bots/bot-zz${what}`, token('other'));
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(hidden.body.error.replace('bot-a1', 'bot-zz')).toBe(missing.body.error);
      const unknown = await apiFetch(coord, `/api/bots/bot-zz${what}`, token('admin'));
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe(missing.body.error);
      expect((await apiFetch(coord, `/api/bots/bot-a1${what}`, token('canceller'))).status).toBe(
        403,
      );
    }
    const bad = await apiFetch(coord, '/api/bots/bot-a1/events?limit=x', token('viewer'));
    expect(bad.status).toBe(400);
  });

  it('filters bots by dimension as the CLI writes it, key=value', async () => {
    const eq = await apiFetch(coord, '/api/bots?dim=pool%3Db', token('admin'));
    expect(eq.body.items.map((b: { bot_id: string }) => b.bot_id)).toEqual(['bot-b1']);
    const bad = await apiFetch(coord, '/api/bots?dim=pool', token('admin'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('key=value');
  });

  it('sets and ends maintenance with a message, as SetMaintenance does', async () => {
    const refused = await apiFetch(coord, '/api/bots/bot-a1/maintenance', token('viewer'), {
      method: 'POST',
      body: { enabled: true, message: 'kernel update' },
    });
    expect(refused.status).toBe(403);
    const on = await apiFetch(coord, '/api/bots/bot-a1/maintenance', token('pool-admin'), {
      method: 'POST',
      body: { enabled: true, message: 'kernel update' },
    });
    expect(on.body).toMatchObject({ in_maintenance: true, maintenance_msg: 'kernel update' });
    const off = await apiFetch(coord, '/api/bots/bot-a1/maintenance', token('pool-admin'), {
      method: 'POST',
      body: { enabled: false },
    });
    expect(off.body.in_maintenance).toBe(false);
    const events = await apiFetch(coord, '/api/bots/bot-a1/events?limit=2', token('viewer'));
    expect(events.body.items.map((e: { message: string }) => e.message)).toEqual([
      'off',
      'on: kernel update',
    ]);
  });

  it("keeps a deleted bot's history for a caller who views every pool, and 404 for its info", async () => {
    await connectBot('bot-a9', 'bots-a');
    const del = await apiFetch(coord, '/api/bots/bot-a9/delete', token('admin'), {
      method: 'POST',
      body: { force: true },
    });
    expect(del.status).toBe(200);
    const history = await apiFetch(coord, '/api/bots/bot-a9/events', token('admin'));
    expect(history.status).toBe(200);
    expect(history.body.items.length).toBeGreaterThan(0);
    expect((await apiFetch(coord, '/api/bots/bot-a9', token('admin'))).status).toBe(404);
    // Its pools are no longer known: to a caller of some pools it is not there.
    expect((await apiFetch(coord, '/api/bots/bot-a9/events', token('viewer'))).status).toBe(404);
  });

  it('refuses a cursor it did not hand out', async () => {
    const res = await apiFetch(coord, '/api/tasks?cursor=bogus', token('admin'));
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('cursor');
  });
});

/** A pipeline step's quest in pool `g`, which no bot serves: its task stays pending. */
function stepDesc(name: string): QuestDescWire {
  return {
    name,
    distributor_config_name: 'drover',
    parameters: JSON.stringify({ step: name }),
    distributor_parameters: JSON.stringify({ command: ['true'], dimensions: { pool: 'g' } }),
    meta: null,
  };
}

/** Records a run `name` of two steps, fetch then build (build needs fetch), as admin. */
async function createRun(name: string): Promise<{ runId: string; quests: string[] }> {
  const res = await ensure(
    graph,
    {
      quests: [stepDesc(`${name}-fetch`), stepDesc(`${name}-build`)],
      attempts: [
        { quest: '0', id: 1 },
        { quest: '1', id: 1 },
      ],
      needs: [{ attempt: { quest: '1', id: 1 }, needs: [{ quest: '0', id: 1 }] }],
      run: {
        name,
        steps: [
          { name: 'fetch', attempt: { quest: '0', id: 1 }, needs: [] },
          { name: 'build', attempt: { quest: '1', id: 1 }, needs: ['fetch'] },
        ],
      },
    },
    token('admin'),
  );
  return { runId: res.run_id, quests: res.quest_ids.map((q) => q.id) };
}

// Last in the file: the runs' tasks stay pending in pool g, which the task tests do not expect.
describe('dashboard API: pipeline runs', () => {
  let nightly: { runId: string; quests: string[] };
  let release: { runId: string; quests: string[] };

  beforeAll(async () => {
    nightly = await createRun('nightly-build');
    release = await createRun('release');
  });

  it('lists runs newest first as ListRunsResponse, filtered by a name glob and paged', async () => {
    const all = await apiFetch(coord, '/api/graph/runs', token('runs-viewer'));
    expect(all.status).toBe(200);
    expect(Object.keys(all.body).sort()).toEqual(['cursor', 'runs']);
    expect(all.body.runs.map((r: { id: string }) => r.id)).toEqual([release.runId, nightly.runId]);
    expect(all.body.cursor).toBe('');
    const run = all.body.runs[1];
    expect(run).toEqual({
      id: nightly.runId,
      name: 'nightly-build',
      created: expect.stringMatching(RFC3339),
      user: 'admin',
      pools: ['g'],
      steps: [
        {
          name: 'fetch',
          attempt: { quest: nightly.quests[0], id: 1 },
          needs: [],
          state: expect.stringMatching(/^(SCHEDULING|EXECUTING)$/),
        },
        {
          name: 'build',
          attempt: { quest: nightly.quests[1], id: 1 },
          needs: ['fetch'],
          state: 'WAITING',
        },
      ],
    });
    // What ListRuns answers over gRPC, in canonical JSON.
    const viaGrpc = await call(
      (md, cb) => graph.ListRuns({ name_glob: 'night*' }, md, cb),
      bearer(token('runs-viewer')),
    );
    const filtered = await apiFetch(coord, '/api/graph/runs?name=night*', token('runs-viewer'));
    expect(filtered.body.runs.map((r: { name: string }) => r.name)).toEqual(['nightly-build']);
    expect(filtered.body).toEqual(canonicalJson('ListRunsResponse', viaGrpc as object));
    const none = await apiFetch(coord, '/api/graph/runs?name=rel?', token('runs-viewer'));
    expect(none.body.runs).toEqual([]);
    const first = await apiFetch(coord, '/api/graph/runs?limit=1', token('runs-viewer'));
    expect(first.body.runs.map((r: { id: string }) => r.id)).toEqual([release.runId]);
    expect(first.body.cursor).not.toBe('');
    const next = await apiFetch(
      coord,
      `/api/graph/runs?limit=1&cursor=${first.body.cursor}`,
      token('runs-viewer'),
    );
    expect(next.body.runs.map((r: { id: string }) => r.id)).toEqual([nightly.runId]);
  });

  it('answers one run as Run, by id or by name, and its steps as GraphData with their names', async () => {
    const byName = await apiFetch(coord, '/api/graph/runs/nightly-build', token('runs-viewer'));
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(nightly.runId);
    const byId = await apiFetch(coord, `/api/graph/runs/${nightly.runId}`, token('runs-viewer'));
    expect(byId.body).toEqual(byName.body);
    const missing = await apiFetch(coord, '/api/graph/runs/no-such-run', token('runs-viewer'));
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('no-such-run');
    const walked = await apiFetch(coord, `/api/graph?run=${nightly.runId}`, token('runs-viewer'));
    expect(walked.status).toBe(200);
    expect(Object.keys(walked.body.quests).sort()).toEqual([...nightly.quests].sort());
    expect(walked.body.quests[nightly.quests[1]!].data.desc.name).toBe('nightly-build-build');
    expect(walked.body.quests[nightly.quests[1]!].attempts['1'].fwd_deps).toEqual([
      { quest: nightly.quests[0], id: 1 },
    ]);
    // A pasted attempt's walk carries its quests' names too.
    const pasted = await apiFetch(
      coord,
      `/api/graph?quest=${nightly.quests[0]}&attempt=1`,
      token('runs-viewer'),
    );
    expect(pasted.body.quests[nightly.quests[0]!].data.desc.name).toBe('nightly-build-fetch');
  });

  it('hides a run from a client without view in its pools exactly like a missing one', async () => {
    const listed = await apiFetch(coord, '/api/graph/runs', token('viewer'));
    expect(listed.status).toBe(200);
    expect(listed.body.runs).toEqual([]);
    const byName = await apiFetch(coord, '/api/graph/runs/nightly-build', token('viewer'));
    expect(byName.status).toBe(404);
    const byId = await apiFetch(coord, `/api/graph/runs/${nightly.runId}`, token('viewer'));
    expect(byId.status).toBe(404);
    expect(byId.body.error).toBe(
      (
        await apiFetch(coord, '/api/graph/runs/run-aaaaaaaaaaaaaaaa', token('viewer'))
      ).body.error.replace('run-aaaaaaaaaaaaaaaa', nightly.runId),
    );
    const walked = await apiFetch(coord, `/api/graph?run=${nightly.runId}`, token('viewer'));
    expect(walked.status).toBe(404);
    const asAdmin = await apiFetch(coord, '/api/graph/runs?name=*', token('admin'));
    expect(asAdmin.body.runs).toHaveLength(2);
  });

  it('refuses a bad glob, cursor or run reference', async () => {
    const cursor = await apiFetch(coord, '/api/graph/runs?cursor=bogus', token('admin'));
    expect(cursor.status).toBe(400);
    expect(cursor.body.field).toBe('cursor');
    const limit = await apiFetch(coord, '/api/graph/runs?limit=5000', token('admin'));
    expect(limit.status).toBe(400);
    const ref = await apiFetch(coord, '/api/graph/runs/a%20b', token('admin'));
    expect(ref.status).toBe(400);
    expect((await apiFetch(coord, '/api/graph/runs', undefined)).status).toBe(401);
  });

  it('lists recent quests with their labels and attempts, searched, in pools the caller views', async () => {
    interface QuestRow {
      id: string;
      label: string;
      name: string;
      distributor: string;
      created: string;
      attempts: { attempt: number; state: string }[];
    }
    const list = async (path: string, who: string): Promise<QuestRow[]> => {
      const res = await apiFetch(coord, path, token(who));
      expect(res.status).toBe(200);
      return (res.body as { quests: QuestRow[] }).quests;
    };
    const all = await list('/api/graph/quests', 'runs-viewer');
    const labels = all.map((q) => q.label);
    // Newest first.
    const created = all.map((q) => q.created);
    expect(created).toEqual([...created].sort().reverse());
    expect(labels).toEqual(expect.arrayContaining(['nightly-build-fetch', 'release-build']));
    const fetch = all.find((q) => q.id === nightly.quests[0]);
    expect(fetch).toMatchObject({ name: 'nightly-build-fetch', distributor: 'drover' });
    expect(fetch?.attempts).toEqual([{ attempt: 1, state: expect.any(String) }]);
    const found = await list('/api/graph/quests?q=RELEASE', 'runs-viewer');
    expect(found.map((q) => q.id).sort()).toEqual([...release.quests].sort());
    expect(await list(`/api/graph/quests?q=${nightly.quests[1]}`, 'runs-viewer')).toHaveLength(1);
    expect(await list('/api/graph/quests', 'viewer')).toEqual([]);
  });

  it("answers a node's details: its result to a viewer of the quest's pool only, and its executions", async () => {
    const quest: QuestDescWire = {
      distributor_config_name: 'drover',
      name: 'details-in-a',
      parameters: JSON.stringify({ step: 'details' }),
      distributor_parameters: JSON.stringify({ command: ['true'], dimensions: { pool: 'a' } }),
      meta: null,
    };
    const res = await ensure(
      graph,
      { quests: [quest], attempts: [{ quest: '0', id: 1 }] },
      token('admin'),
    );
    const questId = res.quest_ids[0]!.id;
    // bot-a1, the scripted bot of pool a, runs the execution and finishes the attempt.
    const payload = await Payload.next(bots[0]!);
    await payload.activate(graph);
    await payload.finish(graph, JSON.stringify({ word: 'é'.repeat(3000) }));
    payload.exit(0);
    await waitForAttempt(coord, { quest: questId, attempt: 1 }, (a) => a.state === 'FINISHED');
    const path = `/api/graph/attempt?quest=${questId}&attempt=1`;
    const seen = await apiFetch(coord, path, token('viewer'));
    expect(seen.status).toBe(200);
    // 6000 bytes of two-byte characters: cut at 4096 bytes, never inside a character.
    expect(seen.body.result).toMatchObject({ size: 6011, cut: true });
    expect(Buffer.byteLength(seen.body.result.object)).toBe(4095);
    expect(seen.body.result.object).toMatch(/^\{"word":"é+$/);
    expect(seen.body.executions).toEqual([
      {
        id: 1,
        state: 'FINISHED',
        task_id: payload.taskId,
        created_ts: expect.stringMatching(/Z$/),
        ended_ts: expect.stringMatching(/Z$/),
      },
    ]);
    // Another pool's client walks it (as WalkGraph) but gets only the result's size.
    const other = await apiFetch(coord, path, token('other'));
    expect(other.status).toBe(200);
    expect(other.body.result).toEqual({ size: 6011, withheld: true });
    expect(other.body.executions).toHaveLength(1);
    expect(
      (await apiFetch(coord, `/api/graph/attempt?quest=${questId}&attempt=2`, token('viewer')))
        .status,
    ).toBe(404);
    const bad = await apiFetch(coord, '/api/graph/attempt?quest=nope&attempt=1', token('viewer'));
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('quest');
  });
});
