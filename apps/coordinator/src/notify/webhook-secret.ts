import { createHmac, randomBytes } from 'node:crypto';
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

/**
 * The key a receiver verifies X-Drover-Signature with: hex HMAC-SHA256 of
 * `drover-webhook-target:<origin>` (origin = scheme://host[:port] of the URL, as the WHATWG URL
 * parser writes it) keyed with the coordinator's secret. One per receiver origin, so a receiver
 * holds a key that signs for it alone (`drover-coordinator webhook-secret URL` prints it).
 */
export function targetSecret(coordinatorSecret: string, url: string): string {
  return createHmac('sha256', coordinatorSecret)
    .update(`drover-webhook-target:${new URL(url).origin}`, 'utf8')
    .digest('hex');
}
