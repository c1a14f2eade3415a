import type { Dimensions } from './config';

/**
 * The pure half of the bot's dimensions: facts about the machine (as systeminformation reports
 * them) → Swarming-style dimensions. The I/O half is probe-dimensions.ts.
 */

/** The parts of systeminformation's osInfo(), cpu(), mem() and graphics() that we use. */
export interface SystemFacts {
  readonly os: {
    readonly platform: string;
    readonly distro: string;
    readonly release: string;
    readonly arch: string;
  };
  readonly cpu: { readonly cores: number; readonly physicalCores: number };
  readonly mem: { readonly total: number };
  readonly gpus: readonly GpuFacts[];
}

export interface GpuFacts {
  readonly vendor: string;
  readonly vendorId?: string | undefined;
  readonly deviceId?: string | undefined;
}

export interface DimensionSettings {
  readonly botId: string;
  readonly pool: string;
  /** Configured extras; a key here replaces the probed values of that key (never `id`). */
  readonly extras: Dimensions;
}

const GIB = 1024 ** 3;

/** PCI vendor ids of the GPU makers a bot is likely to meet, by a word of the vendor's name. */
const PCI_VENDOR_IDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/nvidia/i, '10de'],
  [/\b(amd|ati|advanced micro devices)\b/i, '1002'],
  [/intel/i, '8086'],
  [/apple/i, '106b'],
  [/matrox/i, '102b'],
  [/aspeed/i, '1a03'],
  [/vmware/i, '15ad'],
  [/cirrus/i, '1013'],
];

export function dimensionsFromFacts(facts: SystemFacts, settings: DimensionSettings): Dimensions {
  const dims: Record<string, readonly string[]> = {
    id: [settings.botId],
    os: osValues(facts.os.platform, facts.os.distro, facts.os.release),
    cpu: cpuValues(facts.os.arch),
    cores: [String(facts.cpu.cores > 0 ? facts.cpu.cores : Math.max(1, facts.cpu.physicalCores))],
    ram_gib: [String(Math.round(facts.mem.total / GIB))],
    gpu: gpuValues(facts.gpus),
    pool: [settings.pool],
  };
  for (const [key, values] of Object.entries(settings.extras)) {
    if (key !== 'id' && values.length > 0) dims[key] = [...values];
  }
  const sorted: Record<string, readonly string[]> = {};
  for (const key of Object.keys(dims).sort()) sorted[key] = Object.freeze([...(dims[key] ?? [])]);
  return Object.freeze(sorted);
}

/** `Linux`, `Linux-Debian`, `Linux-Debian-12` (and `-22.04` style when the release has one). */
export function osValues(platform: string, distro: string, release: string): string[] {
  switch (platform.toLowerCase()) {
    case 'linux': {
      const name = distroName(distro);
      if (name === '') return ['Linux'];
      return ['Linux', `Linux-${name}`, ...versions(release).map((v) => `Linux-${name}-${v}`)];
    }
    case 'darwin':
      return ['Mac', ...versions(release).map((v) => `Mac-${v}`)];
    case 'win32':
    case 'windows':
      return ['Windows', ...versions(release).map((v) => `Windows-${v}`)];
    default:
      return [platform === '' ? 'unknown' : platform];
  }
}

/** `Debian GNU/Linux` → `Debian`, `Red Hat Enterprise Linux` → `RedHatEnterprise`. */
function distroName(distro: string): string {
  return distro
    .split(/\s+/)
    .filter((w) => w !== '' && !/^(gnu\/linux|linux|gnu)$/i.test(w))
    .map((w) => w.replace(/[^0-9A-Za-z_.]/g, ''))
    .join('');
}

/** `12` → [`12`]; `22.04.3 LTS` → [`22`, `22.04`]. */
function versions(release: string): string[] {
  const m = /^(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (m === null) return [];
  const major = m[1] ?? '';
  return m[2] === undefined ? [major] : [major, `${major}.${m[2]}`];
}

/** Node/systeminformation architecture names → Swarming's: x64 → `x86`, `x86-64`. */
export function cpuValues(arch: string): string[] {
  switch (arch) {
    case 'x64':
    case 'x86_64':
    case 'amd64':
      return ['x86', 'x86-64'];
    case 'ia32':
    case 'x86':
      return ['x86', 'x86-32'];
    case 'arm64':
    case 'aarch64':
      return ['arm64'];
    case 'arm':
      return ['arm', 'arm-32'];
    default:
      return [arch === '' ? 'unknown' : arch];
  }
}

/** Each GPU as its PCI vendor id (`10de`), plus `10de:<device>` when known; `none` if none. */
export function gpuValues(gpus: readonly GpuFacts[]): string[] {
  const out: string[] = [];
  const add = (v: string) => {
    if (v !== '' && !out.includes(v)) out.push(v);
  };
  for (const gpu of gpus) {
    const vendorId = hexId(gpu.vendorId) ?? knownVendorId(gpu.vendor);
    if (vendorId !== undefined) {
      add(vendorId);
      const deviceId = hexId(gpu.deviceId);
      if (deviceId !== undefined) add(`${vendorId}:${deviceId}`);
    } else {
      add((gpu.vendor.trim().split(/\s+/)[0] ?? '').toLowerCase() || 'unknown');
    }
  }
  return out.length === 0 ? ['none'] : out;
}

function hexId(id: string | undefined): string | undefined {
  const m = /^(?:0x)?([0-9a-f]{4})$/i.exec((id ?? '').trim());
  return m?.[1]?.toLowerCase();
}

function knownVendorId(vendor: string): string | undefined {
  return PCI_VENDOR_IDS.find(([re]) => re.test(vendor))?.[1];
}
