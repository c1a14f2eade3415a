#!/usr/bin/env node
// A pg-boss worker in its own process for the peers benchmark (src/scenarios/peers/).
import { register } from 'tsx/esm/api';

register();
await import('../src/scenarios/peers/pgboss-worker-process.ts');
