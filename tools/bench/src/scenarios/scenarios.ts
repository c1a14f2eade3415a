import type { Scenario } from '../harness/scenario';
import { deepQueue } from './deep-queue/deep-queue';
import { fleet } from './fleet/fleet';
import { latency } from './latency/latency';
import { lifecycle } from './lifecycle/lifecycle';
import { peers } from './peers/peers';
import { spawnScenario } from './spawn/spawn';

/**
 * Every scenario, in the order `npm run bench` runs them. Add new ones here. deep-queue goes last:
 * its in-process index leaves this process's heap large.
 */
export const SCENARIOS: readonly Scenario[] = [
  latency,
  spawnScenario,
  lifecycle,
  peers,
  fleet,
  deepQueue,
];
