#!/usr/bin/env node
// A BullMQ worker in its own process for the peers benchmark (src/scenarios/peers/).
import { register } from 'tsx/esm/api';

register();
await import('../src/scenarios/peers/bullmq-worker-process.ts');
