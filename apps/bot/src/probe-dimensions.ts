import os from 'node:os';
import si from 'systeminformation';
import type { Dimensions } from './config';
import {
  dimensionsFromFacts,
  type DimensionSettings,
  type GpuFacts,
  type SystemFacts,
} from './dimensions';

/**
 * Asks systeminformation about the machine, once, at start-up: osInfo(), cpu(), mem() and
 * graphics() only (the others are slow or spawn many processes). Each probe has a deadline; a
 * probe that fails or hangs falls back to what node:os knows, so a bot always starts.
 */
export async function probeSystemFacts(opts: { timeoutMs?: number } = {}): Promise<SystemFacts> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const [osInfo, cpu, mem, graphics] = await Promise.all([
    withDeadline(si.osInfo(), timeoutMs),
    withDeadline(si.cpu(), timeoutMs),
    withDeadline(si.mem(), timeoutMs),
    withDeadline(si.graphics(), timeoutMs),
  ]);
  const gpus: GpuFacts[] = (graphics?.controllers ?? []).map((c) => ({
    vendor: c.vendor ?? '',
    vendorId: c.vendorId,
    deviceId: c.deviceId,
  }));
  return {
    os: {
      platform: osInfo?.platform ?? os.platform(),
      distro: osInfo?.distro ?? '',
      release: osInfo?.release ?? '',
      arch: osInfo?.arch ?? os.arch(),
    },
    cpu: {
      cores: cpu?.cores ?? os.availableParallelism(),
      physicalCores: cpu?.physicalCores ?? 0,
    },
    mem: { total: mem?.total ?? os.totalmem() },
    gpus,
  };
}

export async function probeDimensions(settings: DimensionSettings): Promise<Dimensions> {
  return dimensionsFromFacts(await probeSystemFacts(), settings);
}

async function withDeadline<T>(p: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([p.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
