import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config-file';

/**
 * The webhook signing secret from `file` (its text, trimmed). When the file does not exist it is
 * created with 32 random bytes in hex (mode 0600), as the tokens file bootstraps itself.
 */
export function loadOrCreateWebhookSecret(file: string): { secret: string; created: boolean } {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const secret = randomBytes(32).toString('hex');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return { secret, created: true };
    } catch (err) {
      // Another coordinator on the same data dir made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`webhook-secret-file: cannot read ${file}: ${(err as Error).message}`);
  }
  const secret = text.trim();
  if (secret === '') throw new ConfigError(`webhook-secret-file: ${file} is empty`);
  return { secret, created: false };
}
