import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { sweepProcessesWithEnv } from './escaped-sweep';
import { currentBootId, processStartTicks, runningGroupMembers, sweepGroup } from './process-group';

/**
 * Each running task's process group, recorded in `<botDir>/groups/<taskId>` from right after the
 * spawn until the sweep after the task's end. A bot that dies without its finally blocks (SIGKILL,
 * the OOM killer) leaves its payloads running in their own groups, where nothing else reaches
 * them; the next start on the same dir kills what the records name, before it wipes `w/` and
 * connects. The coordinator has given those tasks up (or will: the bot comes back without them).
 *
 * A record names the group's leader by pid, start time and boot, so that a pid reused since by an
 * unrelated process is left alone. (Linux: elsewhere only the pid is known.) It also keeps the
 * task's `DROVER_TASK_NONCE`, so that processes that left the group (setsid) are found too.
 */

interface GroupRecord {
  readonly pgid: number;
  readonly startTicks?: number;
  readonly bootId?: string;
  readonly nonce?: string;
}

/** What became of one record; `escaped`: processes outside the group carrying the task's nonce. */
export type LeftoverGroup = LeftoverGroupOutcome & { readonly escaped: readonly number[] };

type LeftoverGroupOutcome =
  | {
      readonly kind: 'killed';
      readonly taskId: string;
      readonly pgid: number;
      readonly pids: readonly number[];
      /** Members still running after the sweep's deadline (stuck in the kernel). */
      readonly survivors: readonly number[];
    }
  | { readonly kind: 'gone'; readonly taskId: string; readonly pgid: number }
  | { readonly kind: 'skipped'; readonly taskId: string; readonly why: string };

export function groupRecordsDir(botDir: string): string {
  return path.join(botDir, 'groups');
}

/**
 * Records the group led by `pgid` (just spawned) for `taskId`, a valid file name (task-env.ts
 * checks it before the spawn). Synchronous, so nothing runs between the spawn and the record.
 * Returns false if it could not be written: the task runs anyway, unprotected against a crash.
 */
export function recordGroup(botDir: string, taskId: string, pgid: number, nonce?: string): boolean {
  const record: GroupRecord = {
    pgid,
    startTicks: processStartTicks(pgid),
    bootId: currentBootId(),
    ...(nonce === undefined ? {} : { nonce }),
  };
  try {
    mkdirSync(groupRecordsDir(botDir), { recursive: true });
    writeFileSync(path.join(groupRecordsDir(botDir), taskId), JSON.stringify(record));
    return true;
  } catch {
    return false;
  }
}

/** The task's group is swept: forget it. */
export async function removeGroupRecord(botDir: string, taskId: string): Promise<void> {
  await rm(path.join(groupRecordsDir(botDir), taskId), { force: true });
}

/** Kills (and sweeps) every group a previous run of the bot recorded; removes the records. */
export async function killLeftoverGroups(botDir: string): Promise<LeftoverGroup[]> {
  const dir = groupRecordsDir(botDir);
  const names = await readdir(dir).catch(() => []);
  const outcomes: LeftoverGroup[] = [];
  for (const taskId of names) {
    const text = await readFile(path.join(dir, taskId), 'utf8').catch(() => '');
    const record = parseRecord(text);
    const outcome = await killLeftover(taskId, record);
    // The nonce names the task's processes alone, whatever became of the group's leader.
    const escaped =
      record?.nonce === undefined
        ? []
        : (await sweepProcessesWithEnv(`DROVER_TASK_NONCE=${record.nonce}`, 2_000)).killed;
    outcomes.push({ ...outcome, escaped });
    await rm(path.join(dir, taskId), { force: true });
  }
  return outcomes;
}

async function killLeftover(
  taskId: string,
  record: GroupRecord | undefined,
): Promise<LeftoverGroupOutcome> {
  if (record === undefined) return { kind: 'skipped', taskId, why: 'unreadable record' };
  const { pgid } = record;
  const bootId = currentBootId();
  if (record.bootId !== undefined && bootId !== undefined && record.bootId !== bootId)
    return { kind: 'skipped', taskId, why: 'recorded before a reboot' };
  const startTicks = processStartTicks(pgid);
  if (
    record.startTicks !== undefined &&
    startTicks !== undefined &&
    startTicks !== record.startTicks
  )
    return { kind: 'skipped', taskId, why: `pid ${pgid} now names another process` };
  try {
    const pids = runningGroupMembers(pgid);
    if (pids.length === 0) return { kind: 'gone', taskId, pgid };
    const survivors = await sweepGroup(pgid, 2_000);
    return { kind: 'killed', taskId, pgid, pids, survivors };
  } catch (err) {
    // EPERM: the group belongs to another user now, so it is not a payload of ours.
    return { kind: 'skipped', taskId, why: `cannot signal group ${pgid}: ${String(err)}` };
  }
}

function parseRecord(text: string): GroupRecord | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const r = v as Record<string, unknown>;
    if (typeof r.pgid !== 'number' || !Number.isInteger(r.pgid) || r.pgid <= 1) return undefined;
    return {
      pgid: r.pgid,
      ...(typeof r.startTicks === 'number' ? { startTicks: r.startTicks } : {}),
      ...(typeof r.bootId === 'string' ? { bootId: r.bootId } : {}),
      ...(typeof r.nonce === 'string' && /^[0-9a-f]{16,}$/.test(r.nonce) ? { nonce: r.nonce } : {}),
    };
  } catch {
    return undefined;
  }
}
