import type { CasClient, NewTaskResponseOut, TasksClient } from '@drover/protocol';
import type { Store } from '@drover/state';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobGc } from '../../src/cas/blob-gc';
import { casMetrics } from '../../src/cas/cas-metrics';
import { OutputStore } from '../../src/outputs/output-store';
import type { RunningCoordinator } from '../../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from '../harness';
import { casStub, digestOf, findMissing, treeOf, upload } from './cas-client';

/**
 * The blob GC over a real coordinator's store and CAS dir, on a settable clock: unreferenced
 * blobs older than the retention go (file and row), referenced ones stay, and a blob uploaded
 * while a sweep runs — after it listed the blob, or after it deleted its row — survives.
 */

const DAY = 24 * 3600 * 1000;
const RETENTION = 7 * DAY;
let now = 1_800_000_000_000;
const clock = () => now;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let cas: CasClient;
let tasks: TasksClient;
let token: string;
let blobs: OutputStore;

beforeAll(async () => {
  dir = tempDir();
  // The coordinator's own sweep is off: the tests run theirs.
  coord = await startTestCoordinator(
    dir.path,
    { casDir: join(dir.path, 'cas'), casRetention: 0 },
    clock,
  );
  cas = casStub(coord.grpcAddress);
  tasks = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
  blobs = new OutputStore(join(dir.path, 'cas'));
}, 30_000);

afterAll(async () => {
  cas.close();
  tasks.close();
  await coord.close();
  dir.remove();
});

function gc(store: Store = coord.store) {
  const registry = new Registry();
  const metrics = casMetrics(registry);
  const sweeper = new BlobGc({
    store,
    blobs,
    clock,
    log: pino({ level: 'silent' }),
    retentionMs: RETENTION,
    metrics,
    roundPauseMs: 0,
  });
  return { sweeper, registry };
}

const held = (b: Buffer) => existsSync(blobs.blobPath(digestOf(b).hash));

async function metric(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return Number(m?.values[0]?.value ?? NaN);
}

describe('blob GC', () => {
  it('deletes unreferenced blobs older than the retention; referenced and recent ones stay', async () => {
    const old = randomBytes(1000);
    const file = randomBytes(2000);
    const { blob: tree } = treeOf({ f: file });
    await upload(cas, token, [old, file, tree]);
    await call<NewTaskResponseOut>(
      (md, cb) =>
        tasks.NewTask(
          {
            task_slices: [
              {
                properties: {
                  command: ['true'],
                  dimensions: [{ key: 'pool', value: 'gc' }],
                  cas_input_root: digestOf(tree),
                },
                expiration_secs: 600,
                wait_for_capacity: true,
              },
            ],
          },
          md,
          cb,
        ),
      bearer(token),
    );
    now += 3 * DAY;
    const recent = randomBytes(500);
    await upload(cas, token, [recent]);

    // Within the retention: nothing goes.
    const first = gc();
    await first.sweeper.sweep();
    expect([old, file, tree, recent].map(held)).toEqual([true, true, true, true]);

    now += 5 * DAY; // old: 8 days; recent: 5 days
    const second = gc();
    await second.sweeper.sweep();
    expect([old, file, tree, recent].map(held)).toEqual([false, true, true, true]);
    expect(await coord.store.getCasBlob(digestOf(old).hash)).toBeUndefined();
    expect(await findMissing(cas, token, [digestOf(old)])).toEqual([digestOf(old)]);
    expect(await metric(second.registry, 'drover_cas_blobs_deleted_total')).toBe(1);
    expect(await metric(second.registry, 'drover_cas_bytes_deleted_total')).toBe(1000);
    expect(await metric(second.registry, 'drover_cas_bytes')).toBe(
      (await coord.store.casTotals()).bytes,
    );
  });

  it('keeps a blob uploaded after the sweep listed it', async () => {
    const blob = randomBytes(700);
    await upload(cas, token, [blob]);
    now += 8 * DAY;
    // The sweep lists the blob; before it deletes it, a client uploads it again.
    const racing = new Proxy(coord.store, {
      get(target, prop, receiver) {
        if (prop === 'deleteCasBlobIfGarbage') {
          return async (hash: string, cutoffMs: number) => {
            if (hash === digestOf(blob).hash) await upload(cas, token, [blob]);
            return target.deleteCasBlobIfGarbage(hash, cutoffMs);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    await gc(racing).sweeper.sweep();
    expect(held(blob)).toBe(true);
    expect(await findMissing(cas, token, [digestOf(blob)])).toEqual([]);
  });

  it('keeps a blob uploaded after the sweep deleted its row', async () => {
    const blob = randomBytes(900);
    await upload(cas, token, [blob]);
    now += 8 * DAY;
    // The row goes; before the file does, a client uploads the blob (another replica, say).
    const racing = new Proxy(coord.store, {
      get(target, prop, receiver) {
        if (prop === 'deleteCasBlobIfGarbage') {
          return async (hash: string, cutoffMs: number) => {
            const gone = await target.deleteCasBlobIfGarbage(hash, cutoffMs);
            if (gone && hash === digestOf(blob).hash) {
              expect(await upload(cas, token, [blob])).toMatchObject({ existed: 1 });
            }
            return gone;
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    await gc(racing).sweeper.sweep();
    expect(held(blob)).toBe(true);
    expect(await coord.store.getCasBlob(digestOf(blob).hash)).toBeDefined();
    expect(await findMissing(cas, token, [digestOf(blob)])).toEqual([]);
  });
});
