import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBotCode } from './build-bundle';

/**
 * `build-bot-code --out DIR`: builds the bot code into DIR/<source hash>/ (or finds it there) and
 * prints its manifest (version, sha256, size, dir) as one JSON line. The coordinator runs it.
 */
const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
if (values.out === undefined) {
  process.stderr.write('usage: build-bot-code --out DIR\n');
  process.exit(2);
}
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const built = await buildBotCode({ repoRoot, cacheDir: path.resolve(values.out) });
process.stdout.write(`${JSON.stringify(built)}\n`);
