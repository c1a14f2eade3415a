import type { OutputFile, Task, TaskOutputs } from '../task/types';

/**
 * The `outputs` column of tasks in both adapters: JSON text `{"files":[{path,size,digest}],
 * "truncated":bool}`, NULL when the task recorded none.
 */

export function outputsToColumn(task: Task): string | null {
  if (task.outputs === undefined) return null;
  return JSON.stringify({
    files: task.outputs.files.map((f) => ({ path: f.path, size: f.size, digest: f.digest })),
    truncated: task.outputs.truncated,
  });
}

/** The task's `outputs` field for a column value: `{}` (absent) for NULL. */
export function outputsFromColumn(value: string | null): { outputs?: TaskOutputs } {
  if (value === null) return {};
  const parsed = JSON.parse(value) as { files?: OutputFile[]; truncated?: boolean };
  return { outputs: { files: parsed.files ?? [], truncated: parsed.truncated === true } };
}
