import { readFileSync } from 'node:fs';
import { cpuProfArgs } from '../../harness/drover-rig';
import { numberOption, type Scenario, type Value } from '../../harness/scenario';
import { runFleetCase, type FleetCaseParams } from './fleet-case';

/**
 * fleet (DESIGN.md §8): 10,000 simulated bots (one TCP connection and one BotApi stream each,
 * spread over a few processes) heartbeating every 10 s: the coordinator's RSS, CPU time and
 * memory per bot over 60 s. Then 50,000, to see how far it gets. Aims (10k): RSS < 1 GiB, idle
 * CPU < 10% of a core.
 *
 * Options: --bots (10000) --big (50000; 0 skips) --processes (4) --measure-s (60)
 * --big-measure-s (30) --connect-budget-s (120) --connect-in-flight (50) --heartbeat-s (10)
 * --tolerance-s (30) --cpu-prof[=dir] (profiles of the coordinator).
 */
export const fleet: Scenario = {
  name: 'fleet',
  description: '10k simulated bots heartbeating every 10 s: coordinator RSS, CPU; then 50k',
  async run(ctx) {
    const prof = cpuProfArgs(ctx.options['cpu-prof']);
    const base: FleetCaseParams = {
      bots: numberOption(ctx, 'bots', 10_000),
      processes: Math.max(1, numberOption(ctx, 'processes', 4)),
      connectInFlight: numberOption(ctx, 'connect-in-flight', 50),
      connectBudgetMs: numberOption(ctx, 'connect-budget-s', 120) * 1000,
      measureMs: numberOption(ctx, 'measure-s', 60) * 1000,
      heartbeatIntervalSecs: numberOption(ctx, 'heartbeat-s', 10),
      botPingToleranceSecs: numberOption(ctx, 'tolerance-s', 30),
      ...(prof ? { coordinatorExecArgv: prof } : {}),
    };
    const big = numberOption(ctx, 'big', 50_000);
    const bigMeasureMs = numberOption(ctx, 'big-measure-s', 30) * 1000;
    const limits = fdLimits();
    const values: Value[] = [];
    const notes: string[] = [
      `File descriptors: ${limits} (one per bot connection in the coordinator; the bots' side is spread over ${base.processes} processes).`,
      "Each simulated bot is a BenchBot on its own grpc-js channel and TCP connection (as real bots are), heartbeating at the Welcome's interval, with the client keepalive pings real bots use.",
    ];
    const small = await runFleetCase(ctx, base, `${base.bots} bots`);
    values.push(...small.values);
    notes.push(...small.notes);
    if (big > 0) {
      const result = await runFleetCase(
        ctx,
        { ...base, bots: big, measureMs: bigMeasureMs },
        `${big} bots`,
      );
      values.push(...result.values);
      notes.push(...result.notes);
    }
    return {
      parameters: { ...base, big, bigMeasureMs, fdLimits: limits },
      figures: [],
      values,
      notes,
    };
  },
};

function fdLimits(): string {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? `ulimit -n ${line[1]} (hard ${line[2]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}
