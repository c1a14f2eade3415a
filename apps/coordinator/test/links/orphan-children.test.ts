// A parent that ended while the coordinator could not see it (it was down between the parent's
// end and the sweep of its children): the coordinator, once started again, cancels the children
// that are still active. Real SQLite file, real gRPC.
import { openSqliteStore, transition } from '@drover/state';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../../src/index';
import { startTestCoordinator } from '../harness';
import {
  newTask,
  startLinksWorld,
  taskRequest,
  waitForState,
  type LinksWorld,
} from './links-harness';

let world: LinksWorld | undefined;
let restarted: RunningCoordinator | undefined;
afterAll(async () => {
  await restarted?.close();
  await world?.close();
});

describe('children of a parent that ended while the coordinator was down', () => {
  it('are cancelled when it starts again', async () => {
    world = await startLinksWorld({}, false);
    const waiting = (over: Parameters<typeof taskRequest>[1] = {}) =>
      newTask(world!, taskRequest(['true'], { pool: 'nowhere', ...over }));
    const parent = await waiting();
    const child = await waiting({ parent_task_id: parent.task_id });
    const unrelated = await waiting();
    await world.coord.close();

    // The parent ends behind the coordinator's back (as on a replica that then stopped).
    const store = openSqliteStore({ path: join(world.dir.path, 'drover.sqlite') });
    const stored = (await store.getTask(parent.task_id))!;
    const outcome = transition(stored, { type: 'cancel', killRunning: true }, Date.now());
    if ('refused' in outcome) throw new Error(`cancel refused: ${outcome.refused}`);
    expect(await store.updateTask(outcome.task, { revision: stored.revision })).toBe(true);
    await store.close();

    const coord = await startTestCoordinator(world.dir.path, {
      tokensFile: join(world.dir.path, 'tokens.yaml'),
    });
    restarted = coord;
    const canceled = await waitForState(coord, child.task_id, 'CANCELED');
    expect(canceled.spec.parentTaskId).toBe(parent.task_id);
    expect((await coord.store.getTask(unrelated.task_id))?.state).toBe('PENDING');
  });
});
