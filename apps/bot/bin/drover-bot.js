#!/usr/bin/env node
// Runs the TypeScript sources: bundled once into node_modules/.cache and rebuilt when a source
// changed, or through tsx (tools/bin/run-sources.js).
import { runSources } from '../../../tools/bin/run-sources.js';

await runSources(import.meta.url, '../src/main.ts', 'drover-bot');
