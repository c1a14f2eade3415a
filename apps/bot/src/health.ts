import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { BotHealth } from '@drover/protocol';

/**
 * What rides on Hello and every heartbeat: cheap reads only (load average, one statfs, uptime).
 * The slow probes (systeminformation) run once at start-up, never here. The free disk is the only
 * asynchronous read, so it is measured apart: a heartbeat can then be written at once (the one
 * that says the bot is stopping must not wait for a statfs).
 */
export interface HealthInput {
  /** From the latest `freeDiskBytes()`. */
  readonly freeDiskBytes: number;
  readonly runningTaskId: string;
  /** Why the bot takes no tasks (e.g. it is shutting down); empty when healthy. */
  readonly quarantinedReason: string;
}

export function healthNow(input: HealthInput): BotHealth {
  return {
    cpu_load: os.loadavg()[0] ?? 0,
    free_disk_bytes: input.freeDiskBytes,
    uptime_secs: Math.floor(os.uptime()),
    running_task_id: input.runningTaskId,
    quarantined_reason: input.quarantinedReason,
  };
}

/** Free bytes for an unprivileged user on the file system holding `dir`; 0 if unknown. */
export async function freeDiskBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}
