import type { Task } from '../task/types';

/**
 * The hash under which a stored task may serve as a dedup source (COMPLETED, exit 0, not itself
 * deduplicated, its current slice idempotent, no secret bytes), or null. Adapters keep it in an
 * indexed column.
 */
export function dedupHash(task: Task): string | null {
  const slice = task.spec.slices[task.currentSlice];
  if (slice === undefined || !slice.properties.idempotent) return null;
  // Its result may depend on bytes no other request shares: never a source.
  if (task.spec.hasSecretBytes === true) return null;
  if (task.state !== 'COMPLETED' || task.exitCode !== 0 || task.dedupedFrom !== null) return null;
  return slice.propertiesHash;
}
