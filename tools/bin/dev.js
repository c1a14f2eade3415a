#!/usr/bin/env node
// `npm start`: runs tools/src/dev/dev.ts (tools/bin/run-sources.js: bundled, or through tsx).
import { runSources } from './run-sources.js';

await runSources(import.meta.url, '../src/dev/dev.ts', 'drover-dev');
