import type { BotApiClient } from '@drover/protocol';
import { rmdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { listOutputFiles, planOutputs, skippedNote } from './output-files';
import { uploadOutputFiles, type UploadOutcome } from './output-upload';
import type { RunOutputs, RunResult } from './runner';

/**
 * After a task's process is gone and before its TaskFinished: lists DROVER_OUTDIR, uploads it
 * when it fits the coordinator's limit (retrying a transient failure a few times), and removes
 * the dir. The outcome goes into the TaskFinished, which the coordinator records with the final
 * state: so a result is final only once its outputs are stored, and a bot that dies meanwhile
 * leaves the task to end as BOT_DIED with no outputs listed (never half a list).
 */

export interface DeliverOutputsInput {
  readonly result: RunResult;
  /** Undefined when the task id cannot name a directory (no process ran). */
  readonly outDir: string | undefined;
  readonly client: () => BotApiClient;
  readonly token: string;
  readonly botId: string;
  readonly taskId: string;
  readonly leaseId: string;
  readonly maxBytes: number;
  readonly log: Logger;
  /** Waits between attempts. @default [500, 2000] (three attempts) */
  readonly retryDelaysMs?: readonly number[];
}

/** Undefined when there is nothing to record (no process ran, or an empty out dir). Never rejects. */
export async function deliverOutputs(input: DeliverOutputsInput): Promise<RunOutputs | undefined> {
  const { result, log } = input;
  let removed = false;
  try {
    if (input.outDir === undefined || result.clientError !== undefined || result.canceled)
      return undefined;
    // Usually the payload wrote none: one rmdir says so and removes the dir, without a listing
    // and a recursive removal through the thread pool before the result goes (issue 24).
    removed = removedEmpty(input.outDir);
    if (removed) return undefined;
    const listing = await listOutputFiles(input.outDir);
    // Links and other special files are never read (a link could name the bot's token file).
    const skipped = skippedNote(listing.skipped);
    if (listing.skipped.length > 0)
      log.warn({ skipped: listing.skipped }, 'outputs: special files (links…) not uploaded');
    const plan = planOutputs(listing, input.maxBytes);
    if (plan.kind === 'none')
      return skipped === '' ? undefined : { files: [], truncated: false, note: skipped };
    if (plan.kind === 'over-limit') {
      log.warn({ totalBytes: listing.totalBytes, maxBytes: input.maxBytes }, plan.note);
      return { files: [], truncated: true, note: joinNotes(plan.note, skipped) };
    }
    const outcome = await uploadWithRetries(input, plan.files);
    const files = plan.files.map((f) => ({ path: f.path, size: f.size, digest: f.digest }));
    if (outcome.ok) {
      log.info({ files: outcome.files, bytes: outcome.bytes }, 'outputs uploaded');
      return { files, truncated: false, note: skipped };
    }
    log.warn({ why: outcome.why }, 'outputs upload failed');
    return { files: [], truncated: true, note: `outputs not uploaded: ${outcome.why}` };
  } catch (err) {
    log.error({ err }, 'outputs could not be read');
    const why = err instanceof Error ? err.message : String(err);
    return { files: [], truncated: true, note: `outputs not uploaded: ${why}` };
  } finally {
    if (input.outDir !== undefined && !removed)
      await rm(input.outDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** Removes `dir` if it is empty (or says it is gone already); false when something is in it. */
function removedEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function joinNotes(...notes: string[]): string {
  return notes.filter((n) => n !== '').join('; ');
}

async function uploadWithRetries(
  input: DeliverOutputsInput,
  files: Parameters<typeof uploadOutputFiles>[1],
): Promise<UploadOutcome> {
  const delays = input.retryDelaysMs ?? [500, 2000];
  for (let attempt = 0; ; attempt++) {
    const outcome = await uploadOutputFiles(
      {
        client: input.client(),
        token: input.token,
        botId: input.botId,
        taskId: input.taskId,
        leaseId: input.leaseId,
      },
      files,
    );
    const delayMs = delays[attempt];
    if (outcome.ok || !outcome.retriable || delayMs === undefined) return outcome;
    input.log.warn({ why: outcome.why, attempt, delayMs }, 'outputs upload failed; retrying');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
