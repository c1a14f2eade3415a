import { InvalidArgumentError, parseTree } from '@drover/protocol';
import { taskPoolOf, type Store, type Task, type TaskSpec } from '@drover/state';
import type { OutputStore } from '../outputs/output-store';

/** Blobs touched per store write when a task's inputs are checked. */
const TOUCH_BATCH = 5000;
/** Files stat'ed at once. */
const STAT_PARALLEL = 64;

/**
 * The CAS side of NewTask: a slice's cas_input_root must name a tree the CAS holds, whose
 * listing parses (docs/cas.md), and every file of it must be held; otherwise INVALID_ARGUMENT
 * naming `task_slices[i].properties.cas_input_root` and the first digest missing. The blobs are
 * touched in the store before they are looked at, so that a GC sweep running meanwhile keeps them
 * (blob-gc.ts). The task's insert records that it uses them (TaskInsertExtras.casReferences:
 * Download access, GC), in its transaction, so a bot given the task at once may read them.
 */
export class CasInputs {
  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly blobs: OutputStore;
      readonly clock: () => number;
    },
  ) {}

  /**
   * Checks the spec's input trees; the hashes the task references (trees and files), or [].
   * `seen`: trees already checked in this call (the tasks of one NewTasks often share one).
   */
  async check(spec: TaskSpec, seen = new Map<string, string[]>()): Promise<string[]> {
    const hashes = new Set<string>();
    for (const [i, slice] of spec.slices.entries()) {
      const root = slice.properties.casInputRoot;
      if (root === undefined) continue;
      const key = `${root.hash}/${root.sizeBytes}`;
      let blobs = seen.get(key);
      if (blobs === undefined) {
        blobs = await this.#checkTree(`task_slices[${i}].properties.cas_input_root`, root);
        seen.set(key, blobs);
      }
      for (const h of blobs) hashes.add(h);
    }
    return [...hashes];
  }

  async #checkTree(
    field: string,
    root: { readonly hash: string; readonly sizeBytes: number },
  ): Promise<string[]> {
    const { store, blobs, clock } = this.deps;
    await store.touchCasBlobs([{ hash: root.hash, sizeBytes: root.sizeBytes }], clock());
    if (!(await blobs.has(root.hash, root.sizeBytes))) {
      throw new InvalidArgumentError(
        field,
        `the tree ${root.hash}/${root.sizeBytes} is not in the CAS (upload it first: Cas.Upload)`,
      );
    }
    const parsed = parseTree(await blobs.readAll(root.hash));
    if ('error' in parsed) {
      throw new InvalidArgumentError(
        field,
        `${root.hash}/${root.sizeBytes} is not a tree: ${parsed.error}`,
      );
    }
    const files = new Map<string, number>();
    for (const f of parsed.tree.files) files.set(f.hash, f.size);
    const list = [...files].map(([hash, sizeBytes]) => ({ hash, sizeBytes }));
    for (let i = 0; i < list.length; i += TOUCH_BATCH) {
      await store.touchCasBlobs(list.slice(i, i + TOUCH_BATCH), clock());
    }
    for (let i = 0; i < list.length; i += STAT_PARALLEL) {
      const batch = list.slice(i, i + STAT_PARALLEL);
      const held = await Promise.all(batch.map((b) => blobs.has(b.hash, b.sizeBytes)));
      const missing = batch.find((_, j) => !held[j]);
      if (missing !== undefined) {
        const path = parsed.tree.files.find((f) => f.hash === missing.hash)?.path ?? '?';
        throw new InvalidArgumentError(
          field,
          `blob ${missing.hash}/${missing.sizeBytes} (${JSON.stringify(path)}) is not in the CAS (upload it first: Cas.Upload)`,
        );
      }
    }
    return [root.hash, ...files.keys()];
  }
}

/** The output files a finished task recorded, as CAS references (Download access, GC). */
export async function referenceOutputs(store: Store, task: Task): Promise<void> {
  const files = task.outputs?.files ?? [];
  if (files.length === 0) return;
  await store.addCasReferences(
    task.id,
    taskPoolOf(task.spec),
    files.map((f) => f.digest),
  );
}
