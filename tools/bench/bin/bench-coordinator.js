#!/usr/bin/env node
// A coordinator in its own process for a benchmark, driven over IPC by
// tools/bench/src/harness/coordinator-child.ts (so that its RSS and CPU are its own).
import { register } from 'tsx/esm/api';

register();
await import('../src/harness/coordinator-process.ts');
