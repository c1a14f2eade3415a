import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { isSingleExecutable } from '@drover/protocol';
import type { Dimensions } from './config';
import {
  dimensionsFromFacts,
  type DimensionSettings,
  type GpuFacts,
  type SystemFacts,
} from './dimensions';

/**
 * Asks systeminformation about the machine, once, at start-up: osInfo(), cpu(), mem() and
 * graphics() only (the others are slow or spawn many processes). It runs in a short-lived child
 * process (probe-system-facts-child.js): loaded in the bot, its ~12 MiB would stay for good, and
 * every fork of a payload costs more the more private memory the bot has. Each probe has a
 * deadline; a probe that fails or hangs, or a child that fails, falls back to what node:os knows,
 * so a bot always starts.
 */

/**
 * A released drover-bot (one executable, no node beside it) runs itself with this variable set to
 * the deadline: it then probes and prints instead of starting a bot (tools/src/packaging's entry).
 */
export const PROBE_MODE_ENV = 'DROVER_BOT_PROBE';

/** The child's command: the executable in probe mode, or node on the child script. */
function probeCommand(timeoutMs: number): { args: string[]; env: Record<string, string> } {
  if (isSingleExecutable()) return { args: [], env: { [PROBE_MODE_ENV]: String(timeoutMs) } };
  const child = fileURLToPath(new URL('./probe-system-facts-child.js', import.meta.url));
  return { args: [child, String(timeoutMs)], env: {} };
}

/** What the child prints: null for a probe that failed. */
interface ProbedFacts {
  readonly os?: Partial<SystemFacts['os']> | null;
  readonly cpu?: Partial<SystemFacts['cpu']> | null;
  readonly mem?: Partial<SystemFacts['mem']> | null;
  readonly gpus?: readonly Partial<GpuFacts>[] | null;
}

export interface ProbeOptions {
  /** Each probe's deadline. @default 15000 */
  readonly timeoutMs?: number;
  /** The child's environment (the bot's, without its token). @default the bot's */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function probeSystemFacts(opts: ProbeOptions = {}): Promise<SystemFacts> {
  const probed = await runProbeChild(opts.timeoutMs ?? 15_000, opts.env);
  const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
  const num = (v: unknown, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) ? v : fallback;
  const gpus: GpuFacts[] = (Array.isArray(probed.gpus) ? probed.gpus : []).map((c) => ({
    vendor: str(c.vendor, ''),
    vendorId: typeof c.vendorId === 'string' ? c.vendorId : undefined,
    deviceId: typeof c.deviceId === 'string' ? c.deviceId : undefined,
  }));
  return {
    os: {
      platform: str(probed.os?.platform, os.platform()),
      distro: str(probed.os?.distro, ''),
      release: str(probed.os?.release, ''),
      arch: str(probed.os?.arch, os.arch()),
    },
    cpu: {
      cores: num(probed.cpu?.cores, os.availableParallelism()),
      physicalCores: num(probed.cpu?.physicalCores, 0),
    },
    mem: { total: num(probed.mem?.total, os.totalmem()) },
    gpus,
  };
}

export async function probeDimensions(
  settings: DimensionSettings,
  opts: ProbeOptions = {},
): Promise<Dimensions> {
  return dimensionsFromFacts(await probeSystemFacts(opts), settings);
}

/**
 * Runs the child with per-probe deadlines of `timeoutMs`; the child itself gets a little more.
 * Resolves to `{}` (every probe failed) when the child fails, hangs or prints something else.
 */
function runProbeChild(
  timeoutMs: number,
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<ProbedFacts> {
  const command = probeCommand(timeoutMs);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      command.args,
      {
        env: { ...(env ?? process.env), ...command.env },
        timeout: timeoutMs + 5_000,
        killSignal: 'SIGKILL',
        windowsHide: true,
        maxBuffer: 1 << 20,
      },
      (err, stdout) => {
        if (err !== null) return resolve({});
        try {
          const v: unknown = JSON.parse(stdout);
          resolve(typeof v === 'object' && v !== null ? (v as ProbedFacts) : {});
        } catch {
          resolve({});
        }
      },
    );
  });
}
