import type { TaskSpec } from './types';

/** Deadline of slice `index`: created + Σ expiration_secs of slices 0..index (DESIGN.md §2). */
export function sliceDeadlineAtMs(spec: TaskSpec, createdAtMs: number, index: number): number {
  let totalSecs = 0;
  for (let i = 0; i <= index && i < spec.slices.length; i++) {
    totalSecs += spec.slices[i]!.expirationSecs;
  }
  return createdAtMs + totalSecs * 1000;
}
