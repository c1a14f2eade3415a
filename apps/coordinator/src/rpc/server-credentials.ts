import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, type CoordinatorConfig } from '../config';

/** The PEM pair the coordinator serves with; undefined = plaintext. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads and checks the TLS files of the config. An unreadable file, a file that is not PEM, or a
 * key that does not belong to the certificate is a ConfigError naming the setting.
 */
export function loadTlsMaterial(tls: CoordinatorConfig['tls']): TlsMaterial | undefined {
  if (tls === undefined) return undefined;
  const read = (setting: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${setting}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const cert = read('tls-cert', tls.certFile);
  const key = read('tls-key', tls.keyFile);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`tls-cert: ${tls.certFile} holds no PEM certificate`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(
      `tls-key: ${tls.keyFile} is not a usable private key for ${tls.certFile}: ${(err as Error).message}`,
    );
  }
  return { cert, key };
}

/** gRPC server credentials: TLS without client certificates, or plaintext. */
export function serverCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    null,
    [{ cert_chain: tls.cert, private_key: tls.key }],
    false,
  );
}
