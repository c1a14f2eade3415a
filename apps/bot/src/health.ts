import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { BotHealth } from '@drover/protocol';

/**
 * What rides on every heartbeat: cheap reads only (load average, one statfs, uptime). The slow
 * probes (systeminformation) run once at start-up, never here.
 */
export interface HealthInput {
  readonly botDir: string;
  readonly runningTaskId: string;
  /** Why the bot takes no tasks (e.g. it is shutting down); empty when healthy. */
  readonly quarantinedReason: string;
}

export async function probeHealth(input: HealthInput): Promise<BotHealth> {
  return {
    cpu_load: os.loadavg()[0] ?? 0,
    free_disk_bytes: await freeDiskBytes(input.botDir),
    uptime_secs: Math.floor(os.uptime()),
    running_task_id: input.runningTaskId,
    quarantined_reason: input.quarantinedReason,
  };
}

async function freeDiskBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}
