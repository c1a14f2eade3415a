// latency over N coordinator replicas: submissions round-robin, each sample tagged with whether it
// crossed replicas (submitted on one, run by a bot on another: dispatch via LISTEN/NOTIFY).
import type { BenchBot } from '../../clients/bench-bot';
import type { BenchTasksClient } from '../../clients/tasks-client';
import { cpuMsOf } from '../../harness/coordinator-replicas';
import type { CoordinatorStats } from '../../harness/coordinator-ipc';
import { botReplica, type DroverRig } from '../../harness/drover-rig';
import { figure } from '../../harness/rounds';
import type { Figure, Value } from '../../harness/scenario';
import type { WallClock } from '../../harness/wall-clock';
import {
  assignSample,
  droverSample,
  type DroverSample,
  type LatencySample,
} from './latency-samples';

/** Drover samples submitted on replica k % N for the k-th sample, tagged crossReplica. */
export function roundRobinDrover(
  rig: DroverRig,
  signal: AbortSignal,
): (clock: WallClock) => Promise<DroverSample> {
  const n = rig.clients.length;
  let k = 0;
  return async (clock) => {
    const on = k++ % n;
    const s = await droverSample(rig.clients[on]!, clock, signal);
    return { ...s, crossReplica: botReplica(s.botId, n) !== on };
  };
}

/** Probe samples (NewTask → Assign) submitted round-robin; the probe bot is on replica 0. */
export function roundRobinAssign(
  tasks: readonly BenchTasksClient[],
  probe: BenchBot,
): () => Promise<LatencySample> {
  let k = 0;
  return async () => {
    const on = k++ % tasks.length;
    const s = await assignSample(tasks[on]!, probe);
    return { ...s, crossReplica: on !== 0 };
  };
}

/** Figures of the cross-replica and same-replica samples apart (rounds left empty dropped). */
export function crossFigures(
  name: string,
  rounds: readonly LatencySample[][],
  pick: (s: LatencySample) => number,
): Figure[] {
  const part = (cross: boolean) =>
    rounds
      .map((r) => r.filter((s) => s.crossReplica === cross).map(pick))
      .filter((r) => r.length > 0);
  const cross = part(true);
  const same = part(false);
  return [
    ...(cross.length > 0
      ? [figure(`${name}, cross-replica (bot on another replica)`, 'ms', cross)]
      : []),
    ...(same.length > 0 ? [figure(`${name}, same replica`, 'ms', same)] : []),
  ];
}

/** Share of the samples that crossed replicas, %. */
export function crossShare(rounds: readonly LatencySample[][]): number {
  const all = rounds.flat();
  return (100 * all.filter((s) => s.crossReplica === true).length) / Math.max(1, all.length);
}

/** Coordinator CPU per task (all replicas, and each when several) and RSS of each replica. */
export function coordinatorValues(
  before: readonly CoordinatorStats[],
  after: readonly CoordinatorStats[],
  tasks: number,
): Value[] {
  const cpu = after.map((a, i) => cpuMsOf(a) - cpuMsOf(before[i]!));
  const several = after.length > 1;
  return [
    {
      name: several
        ? `coordinator CPU per task (user+system), summed over ${after.length} replicas`
        : 'coordinator CPU per task (user+system)',
      value: cpu.reduce((x, y) => x + y, 0) / tasks,
      unit: 'ms',
    },
    ...(several
      ? cpu.map((c, i) => ({ name: `replica ${i}: CPU per task`, value: c / tasks, unit: 'ms' }))
      : []),
    ...after.map((a, i) => ({
      name: several ? `replica ${i}: RSS at the end` : 'coordinator RSS at the end',
      value: a.rssBytes / 2 ** 20,
      unit: 'MiB',
    })),
  ];
}
