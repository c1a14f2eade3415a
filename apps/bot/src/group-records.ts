import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { sweepProcessesWithEnv } from './escaped-sweep';
import { currentBootId, processStartTicks, runningGroupMembers, sweepGroup } from './process-group';

/**
 * Each running task, recorded in `<botDir>/groups/<taskId>` from right BEFORE the spawn until the
 * sweep after the task's end. A bot that dies without its finally blocks (SIGKILL, the OOM killer,
 * a payload whose first command is `kill -9 $PPID`) leaves its payloads running in their own
 * groups, where nothing else reaches them; the next start on the same dir kills what the records
 * name, before it wipes `w/` and connects. The coordinator has given those tasks up (or will: the
 * bot comes back without them).
 *
 * Two writes to one file, kept open while the task runs: before the spawn, the task's
 * `DROVER_TASK_NONCE` and the boot id (recordTaskStart); right after it, the same plus the group's
 * leader by pid and start time (recordGroup), written over the first at offset 0 (it is longer: it
 * holds all of the first). Each is one `write` of well under a page into the page cache, which a
 * crash of the bot's process cannot tear: a bot killed at any instant leaves the first record,
 * the second, or — only when nothing was spawned yet — none (an empty file, dropped as
 * unreadable). No fsync and no rename: the guarantee covers a crash of the bot process, not of the
 * OS — after a reboot nothing of the old run is left to kill, and a record from another boot (or
 * one the OS lost half of) is dropped without signalling anything. The nonce names the task's
 * processes alone, so a record without a pgid (the bot died between the two writes) still finds
 * the payload, and processes that left the group (setsid) are found too. The pid, start time and
 * boot keep a pid reused since by an unrelated process from being signalled. (Linux: elsewhere
 * only the pid is known, and there is no nonce scan.)
 */

interface GroupRecord {
  /** Absent when the bot died between the spawn and its record of the group. */
  readonly pgid?: number;
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
  /** Recorded before the spawn only (the bot died first): only the nonce can find the payload. */
  | { readonly kind: 'no-group'; readonly taskId: string }
  | { readonly kind: 'skipped'; readonly taskId: string; readonly why: string };

export function groupRecordsDir(botDir: string): string {
  return path.join(botDir, 'groups');
}

/**
 * Records `taskId` (a valid file name: task-env.ts checks it) as about to be spawned, with its
 * nonce and no group yet. Called BEFORE the spawn, so that a bot dying at any moment after it
 * leaves something the next start can find the payload by. Returns false if it could not be
 * written: the task runs anyway, unprotected against a crash.
 */
export function recordTaskStart(botDir: string, taskId: string, nonce: string): boolean {
  return writeRecord(botDir, taskId, { bootId: bootId(), nonce });
}

/**
 * Records the group led by `pgid` (just spawned) for `taskId`, over recordTaskStart's record.
 * Synchronous, so nothing runs between the spawn and the record. Returns false if it could not be
 * written (the record before the spawn, if any, stays).
 */
export function recordGroup(botDir: string, taskId: string, pgid: number, nonce?: string): boolean {
  return writeRecord(botDir, taskId, {
    pgid,
    startTicks: processStartTicks(pgid),
    bootId: bootId(),
    ...(nonce === undefined ? {} : { nonce }),
  });
}

/** The record files this process has open: the fd and how long the record in it is. */
const openRecords = new Map<string, { fd: number; length: number }>();

/**
 * Writes `record` at offset 0 of `<groups>/<taskId>` in one write, padded with spaces to at
 * least the length of the record it replaces, so the file holds one whole JSON document.
 */
function writeRecord(botDir: string, taskId: string, record: GroupRecord): boolean {
  const file = path.join(groupRecordsDir(botDir), taskId);
  try {
    let open = openRecords.get(file);
    if (open === undefined) {
      open = { fd: openRecordFile(botDir, file), length: 0 };
      openRecords.set(file, open);
    }
    const text = JSON.stringify(record);
    const bytes = Buffer.from(text.padEnd(open.length, ' '));
    const written = writeSync(open.fd, bytes, 0, bytes.length, 0);
    if (written !== bytes.length) return false;
    open.length = bytes.length;
    return true;
  } catch {
    return false;
  }
}

/** Creates (or truncates) the record file; makes the groups dir the first time. */
function openRecordFile(botDir: string, file: string): number {
  try {
    return openSync(file, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(groupRecordsDir(botDir), { recursive: true });
    return openSync(file, 'w');
  }
}

/** The boot id does not change while this process runs: read it once. */
let cachedBootId: { value: string | undefined } | undefined;
function bootId(): string | undefined {
  cachedBootId ??= { value: currentBootId() };
  return cachedBootId.value;
}

/** Closes the record file if this process has it open. */
function closeRecord(file: string): void {
  const open = openRecords.get(file);
  if (open === undefined) return;
  openRecords.delete(file);
  try {
    closeSync(open.fd);
  } catch {
    // Closed already: nothing to do.
  }
}

/** An older bot wrote each record to a `~` file first, then renamed it into place. */
const TMP_SUFFIX = '~';

/** The task's group is swept: forget it. */
export async function removeGroupRecord(botDir: string, taskId: string): Promise<void> {
  const file = path.join(groupRecordsDir(botDir), taskId);
  closeRecord(file);
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') await rm(file, { force: true });
  }
}

/** Kills (and sweeps) every group a previous run of the bot recorded; removes the records. */
export async function killLeftoverGroups(botDir: string): Promise<LeftoverGroup[]> {
  const dir = groupRecordsDir(botDir);
  const names = await readdir(dir).catch(() => []);
  const outcomes: LeftoverGroup[] = [];
  for (const taskId of names) {
    if (taskId.endsWith(TMP_SUFFIX)) {
      // An older bot's write it died in the middle of: the record it was replacing is whole.
      await rm(path.join(dir, taskId), { force: true });
      continue;
    }
    const text = await readFile(path.join(dir, taskId), 'utf8').catch(() => '');
    const record = parseRecord(text);
    const outcome = await killLeftover(taskId, record);
    // The nonce names the task's processes alone, whatever became of the group's leader, and
    // finds the payload when the bot died before it recorded the group. Not after a reboot:
    // nothing of that run can be left.
    const escaped =
      record?.nonce === undefined || fromAnotherBoot(record)
        ? []
        : (await sweepProcessesWithEnv(`DROVER_TASK_NONCE=${record.nonce}`, 2_000)).killed;
    outcomes.push({ ...outcome, escaped });
    closeRecord(path.join(dir, taskId));
    await rm(path.join(dir, taskId), { force: true });
  }
  return outcomes;
}

async function killLeftover(
  taskId: string,
  record: GroupRecord | undefined,
): Promise<LeftoverGroupOutcome> {
  if (record === undefined) return { kind: 'skipped', taskId, why: 'unreadable record' };
  if (fromAnotherBoot(record)) return { kind: 'skipped', taskId, why: 'recorded before a reboot' };
  const { pgid } = record;
  if (pgid === undefined) return { kind: 'no-group', taskId };
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

function fromAnotherBoot(record: GroupRecord): boolean {
  const now = bootId();
  return record.bootId !== undefined && now !== undefined && record.bootId !== now;
}

/** A record names a group (pgid > 1), or at least a nonce (written before the spawn). */
function parseRecord(text: string): GroupRecord | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return undefined;
    const r = v as Record<string, unknown>;
    const nonce =
      typeof r.nonce === 'string' && /^[0-9a-f]{16,}$/.test(r.nonce) ? r.nonce : undefined;
    if (r.pgid === undefined) {
      if (nonce === undefined) return undefined;
    } else if (typeof r.pgid !== 'number' || !Number.isInteger(r.pgid) || r.pgid <= 1) {
      return undefined;
    }
    return {
      ...(typeof r.pgid === 'number' ? { pgid: r.pgid } : {}),
      ...(typeof r.startTicks === 'number' ? { startTicks: r.startTicks } : {}),
      ...(typeof r.bootId === 'string' ? { bootId: r.bootId } : {}),
      ...(nonce === undefined ? {} : { nonce }),
    };
  } catch {
    return undefined;
  }
}
