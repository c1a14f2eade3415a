#!/usr/bin/env node
// Simulated bots in their own process for the fleet benchmark (src/scenarios/fleet/).
import { register } from 'tsx/esm/api';

register();
await import('../src/scenarios/fleet/fleet-bots-process.ts');
