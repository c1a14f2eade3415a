// The child side of probe-dimensions.ts, in a short-lived process of its own: systeminformation
// (~12 MiB once loaded, for good) never enters the long-running bot. Plain JS, so that it starts
// without the TypeScript loader. Prints one JSON line — the parts of osInfo(), cpu(), mem() and
// graphics() the bot uses, null for a probe that failed or missed its deadline — then exits
// without waiting for a probe that hangs.
import si from 'systeminformation';

const timeoutMs = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 15_000;

/** The probe's answer, or null if it fails or is later than the deadline. */
function withDeadline(promise) {
  return Promise.race([
    promise.catch(() => null),
    new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
  ]);
}

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
