import type { Scenario } from '../harness/scenario';
import { deepQueue } from './deep-queue/deep-queue';

/** Every scenario, in the order `npm run bench` runs them. Add new ones here. */
export const SCENARIOS: readonly Scenario[] = [deepQueue];
