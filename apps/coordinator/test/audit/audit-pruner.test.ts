// The audit log's retention on a real SQLite file: entries past --audit-retention go in bounded
// batches, at start and on the pruner's timer; newer ones stay; 0 keeps everything.
import { openSqliteStore, type NewAuditRecord, type Store } from '@drover/state';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditPruner } from '../../src/audit/audit-pruner';
import { tempDir } from '../harness';

const HOUR = 3600_000;
const NOW = Date.parse('2026-12-06T12:00:00Z');
const log = pino({ level: 'silent' });

let dir: ReturnType<typeof tempDir>;
let store: Store;
beforeEach(() => {
  dir = tempDir();
  store = openSqliteStore({ path: join(dir.path, 'state.db') });
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

function entry(timeMs: number, target: string): NewAuditRecord {
  return {
    timeMs,
    principal: 'alice',
    peer: '127.0.0.1:1',
    action: 'tasks.cancel',
    target,
    details: '{}',
    result: 'ok',
    pool: 'ci',
  };
}

/** 1 200 entries 2 to 3 hours old and 3 from the last hour. */
async function seed(): Promise<void> {
  const old = Array.from({ length: 1200 }, (_, i) => entry(NOW - 2 * HOUR - i * 1000, `old-${i}`));
  await store.appendAudit(old);
  await store.appendAudit([1, 2, 3].map((i) => entry(NOW - i * 60_000, `new-${i}`)));
}

describe('AuditPruner', () => {
  it('deletes what is past the retention in batches when started, and keeps the rest', async () => {
    await seed();
    const rounds: number[] = [];
    const pruned = new Promise<void>((resolve) => {
      const pruner = new AuditPruner({
        store,
        retentionMs: HOUR,
        clock: () => NOW,
        log,
        batch: 500,
        pauseMs: 0,
        onPruned: (n) => {
          rounds.push(n);
          void pruner.close().then(resolve);
        },
      });
      pruner.start();
    });
    await pruned;
    expect(rounds).toEqual([1200]);
    const left = await store.listAudit({ limit: 100 });
    expect(left.map((e) => e.target)).toEqual(['new-3', 'new-2', 'new-1']);
  });

  it('keeps everything with a retention of 0, and a closed pruner deletes nothing', async () => {
    await seed();
    const forever = new AuditPruner({ store, retentionMs: 0, clock: () => NOW, log });
    forever.start();
    expect(await forever.runRound()).toBe(0);
    await forever.close();
    expect(await store.listAudit({ limit: 2000 })).toHaveLength(1203);

    const closed = new AuditPruner({ store, retentionMs: HOUR, clock: () => NOW, log, batch: 10 });
    await closed.close();
    expect(await closed.runRound()).toBe(0);
    expect(await store.listAudit({ limit: 2000 })).toHaveLength(1203);
  });
});
