import type { OutputFileOut } from '@drover/protocol';
import type { OutputFile, TaskOutputs } from '@drover/state';
import { badOutputPath } from './output-path';
import type { OutputStore } from './output-store';

/**
 * The outputs a TaskFinished lists, as the finish event records them with the final state: only
 * files this task's bot uploaded (to this coordinator, under this lease) and whose blob is stored
 * (complete and verified), each path once and well formed. A file listed but not received marks
 * the outputs truncated, with a note for the summary.
 */
export async function outputsForFinish(
  listed: readonly OutputFileOut[],
  truncated: boolean,
  note: string,
  store: OutputStore,
  upload: { readonly taskId: string; readonly leaseId: string },
): Promise<{ outputs?: TaskOutputs; outputsNote?: string }> {
  if (listed.length === 0 && !truncated) return {};
  const files: OutputFile[] = [];
  const seen = new Set<string>();
  let missing = 0;
  for (const f of listed) {
    if (badOutputPath(f.path) !== undefined || seen.has(f.path)) {
      missing++;
      continue;
    }
    seen.add(f.path);
    if (
      store.received(upload.taskId, upload.leaseId, f.digest) &&
      (await store.has(f.digest, f.size))
    )
      files.push({ path: f.path, size: f.size, digest: f.digest });
    else missing++;
  }
  const notes = [note];
  if (missing > 0) notes.push(`outputs truncated: ${missing} listed file(s) were not received`);
  const outputsNote = notes.filter((n) => n !== '').join('; ');
  return {
    outputs: { files, truncated: truncated || missing > 0 },
    ...(outputsNote === '' ? {} : { outputsNote }),
  };
}
