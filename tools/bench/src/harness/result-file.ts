import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ScenarioReport } from './scenario';

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages when the result was written: other work on the machine. */
  readonly loadAverage: readonly number[];
}

export interface ResultFile extends ScenarioReport {
  readonly scenario: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly machine: Machine;
}

export function machine(): Machine {
  const cores = cpus();
  return {
    cores: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** HEAD's commit and whether the tree has changes (the figures may not be HEAD's). */
export function gitState(root: string): ResultFile['git'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return { commit: git('rev-parse', 'HEAD').trim(), dirty: git('status', '--porcelain') !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/**
 * Writes bench/results/<fileName>.json (gitignored; fileName defaults to the scenario's name, and
 * names the store and replicas when they are not the default); returns its path.
 */
export function writeResult(
  root: string,
  scenario: string,
  report: ScenarioReport,
  run: { startedAt: Date; durationMs: number; fileName?: string },
): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file: ResultFile = {
    scenario,
    startedAt: run.startedAt.toISOString(),
    durationMs: Math.round(run.durationMs),
    git: gitState(root),
    machine: machine(),
    ...report,
  };
  const path = join(dir, `${run.fileName ?? scenario}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}
