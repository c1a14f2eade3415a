#!/usr/bin/env node
// `npm run bench [-- scenario… --key=value…]`: runs tools/bench/src/main.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
