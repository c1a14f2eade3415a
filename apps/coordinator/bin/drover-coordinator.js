#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: nothing to build, nothing to go stale.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
