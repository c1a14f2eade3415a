import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config-file';

/** AES-256: the key is 32 bytes. */
export const SECRET_KEY_BYTES = 32;

/** Reads beyond this are not a key file (a 64-hex-digit key with a newline is 65 bytes). */
const MAX_KEY_FILE_BYTES = 256;

/**
 * The key secret bytes are sealed with (secret-box.ts), from `file`: 32 raw bytes, or 64 hex
 * digits (`openssl rand -hex 32`) with an optional trailing newline. When the file does not exist
 * it is created (mode 0600, its dir 0700) with 32 random bytes. Refused, with a ConfigError
 * saying what to do, when other users may read it (group or other bits) or it holds anything
 * else: a coordinator must not seal secrets with a key others can read, nor guess at a key.
 * Replicas sharing a store must share this file: a task sealed by one is opened by another.
 */
export function loadOrCreateSecretKey(file: string): { key: Buffer; created: boolean } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotRead(file, err);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const key = randomBytes(SECRET_KEY_BYTES);
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      return { key, created: true };
    } catch (writeErr) {
      // Another coordinator on the same data dir made it first: use theirs.
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotRead(file, writeErr);
    }
    fd = openSync(file, 'r');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new ConfigError(`secret-key-file: ${file} is not a regular file`);
    }
    if ((stat.mode & 0o077) !== 0) {
      throw new ConfigError(
        `secret-key-file: ${file} has mode 0${(stat.mode & 0o777).toString(8)}, readable by other users; ` +
          `it must be 0600 (chmod 600 ${file})`,
      );
    }
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) {
      got = readSync(fd, buf, n, buf.length - n, null);
    }
    return { key: parseKey(file, buf.subarray(0, n)), created: false };
  } finally {
    closeSync(fd);
  }
}

function parseKey(file: string, bytes: Buffer): Buffer {
  if (bytes.length === SECRET_KEY_BYTES) return Buffer.from(bytes);
  const text = bytes.toString('latin1').replace(/\r?\n$/, '');
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  throw new ConfigError(
    `secret-key-file: ${file} holds ${bytes.length} bytes; a key is ${SECRET_KEY_BYTES} bytes ` +
      '(raw, as `head -c 32 /dev/urandom` writes them) or 64 hex digits (`openssl rand -hex 32`)',
  );
}

function cannotRead(file: string, err: unknown): ConfigError {
  return new ConfigError(`secret-key-file: cannot read ${file}: ${(err as Error).message}`);
}
