#!/usr/bin/env node
// `npm run release`: runs tools/src/release/release.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/release/release.ts');
