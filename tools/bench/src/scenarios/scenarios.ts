import type { Scenario } from '../harness/scenario';
import { cli } from './cli/cli';
import { deepQueue } from './deep-queue/deep-queue';
import { fleet } from './fleet/fleet';
import { floors } from './floors/floors';
import { inputs } from './inputs/inputs';
import { latency } from './latency/latency';
import { lifecycle } from './lifecycle/lifecycle';
import { peers } from './peers/peers';
import { spawnScenario } from './spawn/spawn';
import { postgresVariant } from './store-variants';

const PG_LIFECYCLE = { tasks: '5000', rounds: '2' };
const PG_LATENCY = { rounds: '2', 'per-round': '100' };

/** lifecycle and latency on PostgreSQL, 1 and 3 replicas, at sizes of about a minute each. */
const POSTGRES_VARIANTS: readonly Scenario[] = [
  postgresVariant(lifecycle, {
    name: 'lifecycle-pg',
    description: 'lifecycle on PostgreSQL, 1 coordinator: 5k tasks × 2 rounds',
    fixed: { store: 'postgres', replicas: '1' },
    defaults: PG_LIFECYCLE,
  }),
  postgresVariant(lifecycle, {
    name: 'lifecycle-pg3',
    description: 'lifecycle on PostgreSQL, 3 replicas (bots and submits round-robin)',
    fixed: { store: 'postgres', replicas: '3' },
    defaults: PG_LIFECYCLE,
  }),
  postgresVariant(latency, {
    name: 'latency-pg',
    description: 'latency on PostgreSQL, 1 coordinator: 2 rounds × 100',
    fixed: { store: 'postgres', replicas: '1' },
    defaults: PG_LATENCY,
  }),
  postgresVariant(latency, {
    name: 'latency-pg3',
    description: 'latency on PostgreSQL, 3 replicas: submits round-robin, mostly cross-replica',
    fixed: { store: 'postgres', replicas: '3' },
    defaults: PG_LATENCY,
  }),
];

/**
 * Every scenario, in the order `npm run bench` runs them. Add new ones here. deep-queue goes last:
 * its in-process index leaves this process's heap large.
 */
export const SCENARIOS: readonly Scenario[] = [
  latency,
  spawnScenario,
  inputs,
  cli,
  lifecycle,
  ...POSTGRES_VARIANTS,
  peers,
  floors,
  fleet,
  deepQueue,
];
