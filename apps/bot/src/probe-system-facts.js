// What the probe child does (probe-system-facts-child.js runs it; a released drover-bot runs it
// when started in probe mode): the parts of systeminformation's osInfo(), cpu(), mem() and
// graphics() the bot uses, null for a probe that failed or missed its deadline, printed as one
// JSON line; then the process exits without waiting for a probe that hangs. Plain JS, so that
// the child starts without the TypeScript loader.
import si from 'systeminformation';

/** Probes, prints the facts and exits; `timeoutMs` is each probe's deadline. */
export async function printSystemFacts(timeoutMs) {
  const deadline = timeoutMs > 0 ? timeoutMs : 15_000;
  /** The probe's answer, or null if it fails or is later than the deadline. */
  const withDeadline = (promise) =>
    Promise.race([
      promise.catch(() => null),
      new Promise((resolve) => setTimeout(() => resolve(null), deadline).unref()),
    ]);
  const [osInfo, cpu, mem, graphics] = await Promise.all([
    withDeadline(si.osInfo()),
    withDeadline(si.cpu()),
    withDeadline(si.mem()),
    withDeadline(si.graphics()),
  ]);
  const facts = {
    os: osInfo && {
      platform: osInfo.platform,
      distro: osInfo.distro,
      release: osInfo.release,
      arch: osInfo.arch,
    },
    cpu: cpu && { cores: cpu.cores, physicalCores: cpu.physicalCores },
    mem: mem && { total: mem.total },
    gpus:
      graphics &&
      (graphics.controllers ?? []).map((c) => ({
        vendor: c.vendor,
        vendorId: c.vendorId,
        deviceId: c.deviceId,
      })),
  };
  process.stdout.write(`${JSON.stringify(facts)}\n`, () => process.exit(0));
}
