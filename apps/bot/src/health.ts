import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { BotHealth } from '@drover/protocol';
import { formatBytes } from '@drover/protocol';

/**
 * What rides on Hello and every heartbeat: cheap reads only (load average, one statfs, uptime).
 * The slow probes (systeminformation) run once at start-up, never here. The free disk is the only
 * asynchronous read, so it is measured apart: a heartbeat can then be written at once (the one
 * that says the bot is stopping must not wait for a statfs).
 */
export interface HealthInput {
  /** From the latest `freeDiskBytes()`; undefined (sent as 0) when unknown. */
  readonly freeDiskBytes: number | undefined;
  readonly runningTaskId: string;
  /** Why the bot takes no tasks (e.g. it is shutting down); empty when healthy. */
  readonly quarantinedReason: string;
}

export function healthNow(input: HealthInput): BotHealth {
  return {
    cpu_load: os.loadavg()[0] ?? 0,
    free_disk_bytes: input.freeDiskBytes ?? 0,
    uptime_secs: Math.floor(os.uptime()),
    running_task_id: input.runningTaskId,
    quarantined_reason: input.quarantinedReason,
  };
}

/** Free bytes for an unprivileged user on the file system holding `dir`; undefined if unknown. */
export async function freeDiskBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * The bot's self-quarantine for disk space: `low disk: 512 MiB free < 1 GiB` below the minimum,
 * '' otherwise — also when the minimum is 0 (off) or the free space unknown (a failing probe
 * should not take a bot out of service on its own).
 */
export function lowDiskReason(freeBytes: number | undefined, minFreeBytes: number): string {
  if (minFreeBytes <= 0 || freeBytes === undefined || freeBytes >= minFreeBytes) return '';
  return `low disk: ${formatBytes(freeBytes)} free < ${formatBytes(minFreeBytes)}`;
}
