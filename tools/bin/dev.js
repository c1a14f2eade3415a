#!/usr/bin/env node
// `npm start`: runs tools/src/dev/dev.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/dev/dev.ts');
