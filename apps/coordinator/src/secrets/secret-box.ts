import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SECRET_KEY_BYTES } from './secret-key';

/** The first byte of a sealed secret: the format below. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * Seals and opens a task's secret bytes with AES-256-GCM: a random 96-bit IV per secret and the
 * task id as associated data, so a sealed secret copied to another task's row does not open.
 * Sealed form: version byte (1) ‖ IV (12) ‖ tag (16) ‖ ciphertext (as long as the secret).
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new Error(`a secret key is ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
  }

  seal(taskId: string, secret: Uint8Array): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(taskId, 'utf8'));
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** The secret; throws when `sealed` is not this key's sealing of `taskId`'s secret. */
  open(taskId: string, sealed: Uint8Array): Buffer {
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < HEADER_BYTES || buf[0] !== VERSION) {
      throw new Error(`task ${taskId}: the stored secret bytes are not in a known format`);
    }
    const iv = buf.subarray(1, 1 + IV_BYTES);
    const tag = buf.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(taskId, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new Error(
        `task ${taskId}: the stored secret bytes do not open with this coordinator's secret key ` +
          '(another key, or altered): replicas must share one secret-key-file',
      );
    }
  }
}
