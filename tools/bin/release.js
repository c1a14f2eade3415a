#!/usr/bin/env node
// `npm run release`: runs tools/src/packaging/build-release.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/packaging/build-release.ts');
