// The audit trail on PostgreSQL (a throwaway schema, dropped after; skipped with one line when no
// server answers at DROVER_TEST_PG_URL): a refused and a granted cancel recorded once each, read
// back by ListAudit, and the task's canceled_by kept across a restart on another data dir.
import * as grpc from '@grpc/grpc-js';
import type { ListAuditResponseOut, TaskResultOut } from '@drover/protocol';
import { dropPgSchema, pgReachable } from '@drover/state';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../../src/index';
import { submitTask } from '../dashboard/dashboard-client';
import { accessStub, bearer, call, startTestCoordinator, tasksStub, tempDir } from '../harness';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn(`PostgreSQL not reachable at DROVER_TEST_PG_URL: skipped`);
const SCHEMA = `drover_test_${randomBytes(6).toString('hex')}`;

const TOKENS_YAML = `version: 2
principals:
  - { name: admin, sha256: ${hashToken('drv_test_admin')}, admin: true }
  - { name: viewer, sha256: ${hashToken('drv_test_viewer')}, roles: { ci: [view] } }
`;

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  if (REACHABLE) await dropPgSchema(PG_URL, SCHEMA);
});

async function start(): Promise<RunningCoordinator> {
  const dir = tempDir();
  cleanup.push(() => dir.remove());
  const tokensFile = join(dir.path, 'tokens.yaml');
  writeFileSync(tokensFile, TOKENS_YAML);
  const coord = await startTestCoordinator(dir.path, {
    store: PG_URL,
    storeSchema: SCHEMA,
    tokensFile,
  });
  cleanup.push(() => coord.close());
  return coord;
}

describe.skipIf(!REACHABLE)('the audit trail on PostgreSQL', () => {
  it('records a refused and a granted cancel once each, and keeps who cancelled', async () => {
    let coord = await start();
    let tasks = tasksStub(coord.grpcAddress);
    cleanup.push(() => tasks.close());
    const id = await submitTask(tasks, 'drv_test_admin', {
      pool: 'ci',
      dimensions: [{ key: 'os', value: 'none' }],
      waitForCapacity: true,
    });
    const cancelAs = (who: string) =>
      call((md, cb) => tasks.CancelTask({ task_id: id }, md, cb), bearer(`drv_test_${who}`));
    await expect(cancelAs('viewer')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await cancelAs('admin');
    await coord.close();

    coord = await start();
    tasks = tasksStub(coord.grpcAddress);
    const access = accessStub(coord.grpcAddress);
    cleanup.push(() => access.close());
    const page = await call<ListAuditResponseOut>(
      (md, cb) => access.ListAudit({ action: 'tasks.' }, md, cb),
      bearer('drv_test_admin'),
    );
    expect(
      page.entries.map((e) => [e.principal, e.target, e.pool, e.result.split(':')[0]]),
    ).toEqual([
      ['admin', id, 'ci', 'ok'],
      ['viewer', id, 'ci', 'PERMISSION_DENIED'],
    ]);
    expect(page.entries[0]?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    const result = await call<TaskResultOut>(
      (md, cb) => tasks.GetResult({ task_id: id }, md, cb),
      bearer('drv_test_admin'),
    );
    expect(result).toMatchObject({ state: 'CANCELED', canceled_by: 'admin' });
  });
});
