#!/usr/bin/env node
// Builds the self-contained bot code (apps/bot/src/update/build-bundle.ts) and prints its
// manifest as one JSON line: `node apps/bot/bin/build-bot-code.js --out DIR`.
import { register } from 'tsx/esm/api';

register();
await import('../src/update/build-main.ts');
