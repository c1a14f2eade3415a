import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokens } from '../../clients/tasks-client';
import { stopChild, trackChild } from '../../harness/children';
import { spawnCoordinator, type CoordinatorChild } from '../../harness/coordinator-child';
import type { ScenarioContext, Value } from '../../harness/scenario';
import type { FleetBotsArgs, FromFleetBots } from './fleet-ipc';

export interface FleetCaseParams {
  readonly bots: number;
  /** Processes the simulated bots are spread over. */
  readonly processes: number;
  readonly connectInFlight: number;
  /** Give up connecting more after this long; what connected is measured. */
  readonly connectBudgetMs: number;
  /** How long the idle fleet is watched (CPU time, RSS). */
  readonly measureMs: number;
  readonly heartbeatIntervalSecs: number;
  readonly botPingToleranceSecs: number;
  /** Node flags for the coordinator (e.g. --cpu-prof). */
  readonly coordinatorExecArgv?: readonly string[];
}

export interface FleetCaseResult {
  readonly values: Value[];
  readonly notes: string[];
}

const MiB = 2 ** 20;

/**
 * A fresh coordinator, `bots` simulated bots (own TCP connection each) over `processes` child
 * processes, connected within the budget; then the idle fleet heartbeating for `measureMs`:
 * coordinator CPU time (as % of one core), RSS (and after a full GC), per-bot memory.
 */
export async function runFleetCase(
  ctx: ScenarioContext,
  p: FleetCaseParams,
  label: string,
): Promise<FleetCaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-fleet-'));
  const children: ChildProcess[] = [];
  let coordinator: CoordinatorChild | undefined;
  const values: Value[] = [];
  const notes: string[] = [];
  try {
    const started = await spawnCoordinator({
      root: ctx.root,
      dataDir,
      startBudgetMs: 60_000,
      signal: ctx.signal,
      settings: {
        heartbeatIntervalSecs: p.heartbeatIntervalSecs,
        botPingToleranceSecs: p.botPingToleranceSecs,
      },
      ...(p.coordinatorExecArgv ? { execArgv: p.coordinatorExecArgv } : {}),
    });
    if (started.kind === 'not-serving') throw new Error(`coordinator: ${started.detail}`);
    coordinator = started.coordinator;
    const empty = await coordinator.stats({ gc: true });
    const tokens = readTokens(dataDir);
    const latest = new Map<ChildProcess, FromFleetBots>();
    const bin = join(ctx.root, 'tools', 'bench', 'bin', 'bench-fleet-bots.js');
    const per = Math.ceil(p.bots / p.processes);
    for (let k = 0; k < p.processes && k * per < p.bots; k++) {
      const args: FleetBotsArgs = {
        address: coordinator.grpcAddress,
        token: tokens.bot,
        prefix: `fleet-${k}-`,
        count: Math.min(per, p.bots - k * per),
        connectInFlight: p.connectInFlight,
      };
      const child = trackChild(
        fork(bin, [JSON.stringify(args)], {
          cwd: ctx.root,
          execArgv: ['--max-old-space-size=4096'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      );
      child.on('message', (m: FromFleetBots) => latest.set(child, m));
      children.push(child);
    }
    const sum = (pick: (m: FromFleetBots) => number) =>
      [...latest.values()].reduce((n, m) => n + pick(m), 0);
    const allConnected = () =>
      latest.size === children.length && [...latest.values()].every((m) => m.type === 'connected');

    const t0 = performance.now();
    let lastReport = 0;
    while (!allConnected() && performance.now() - t0 < p.connectBudgetMs) {
      ctx.signal.throwIfAborted();
      if (children.some((c) => c.exitCode !== null)) throw new Error('a fleet-bots process exited');
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        ctx.progress(
          `${label}: ${sum((m) => m.connected)} connected, ${sum((m) => m.failed)} failed`,
        );
      }
    }
    const connectMs = performance.now() - t0;
    const connected = sum((m) => m.connected);
    const failed = sum((m) => m.failed);
    values.push(
      { name: `${label}: bots connected`, value: connected, unit: 'bots' },
      {
        name: `${label}: connect time (${allConnected() ? 'all done' : 'budget reached'})`,
        value: connectMs / 1000,
        unit: 's',
      },
    );
    if (failed > 0 || !allConnected()) {
      const errors = [...latest.values()].map((m) => m.firstError).filter((e) => e !== undefined);
      notes.push(
        `${label}: ${connected} of ${p.bots} bots connected, ${failed} failed${allConnected() ? '' : ` (connect budget ${p.connectBudgetMs / 1000} s reached)`}; first error: ${errors[0] ?? 'none'}.`,
      );
    }

    ctx.progress(
      `${label}: ${connected} bots connected; watching the idle fleet for ${p.measureMs / 1000} s`,
    );
    const before = await coordinator.stats();
    const m0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, p.measureMs));
    const after = await coordinator.stats();
    const wallMs = performance.now() - m0;
    const settled = await coordinator.stats({ gc: true });
    const cpuMs = after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs;
    const lost = sum((m) => m.lost);
    values.push(
      {
        name: `${label}: coordinator CPU, idle fleet (% of one core)`,
        value: (100 * cpuMs) / wallMs,
        unit: '%',
      },
      { name: `${label}: coordinator RSS`, value: after.rssBytes / MiB, unit: 'MiB' },
      {
        name: `${label}: coordinator RSS after a full GC`,
        value: settled.rssBytes / MiB,
        unit: 'MiB',
      },
      {
        name: `${label}: coordinator heap used after a full GC`,
        value: settled.heapUsedBytes / MiB,
        unit: 'MiB',
      },
      {
        name: `${label}: coordinator RSS with no bots (after GC)`,
        value: empty.rssBytes / MiB,
        unit: 'MiB',
      },
      {
        name: `${label}: memory per bot ((RSS after GC − empty) / bots)`,
        value: connected > 0 ? (settled.rssBytes - empty.rssBytes) / connected / 1024 : 0,
        unit: 'KiB',
      },
      {
        name: `${label}: coordinator open file descriptors`,
        value: openFds(coordinator.pid),
        unit: 'fds',
      },
      { name: `${label}: streams dropped while watched`, value: lost, unit: 'bots' },
    );
    return { values, notes };
  } finally {
    await Promise.all(
      children.map((c) => {
        if (c.connected) c.send({ type: 'stop' });
        return stopChild(c, 'SIGTERM', 10_000);
      }),
    );
    await coordinator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
