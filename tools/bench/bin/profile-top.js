#!/usr/bin/env node
// Summarises a V8 .cpuprofile: top self-time functions and files (src/profile-top.ts).
import { register } from 'tsx/esm/api';

register();
await import('../src/profile-top.ts');
