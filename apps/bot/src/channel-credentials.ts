import * as grpc from '@grpc/grpc-js';
import type { BotTls } from './config';

/** The gRPC channel credentials for the bot's TLS setting. */
export function channelCredentials(tls: BotTls): grpc.ChannelCredentials {
  switch (tls.kind) {
    case 'off':
      return grpc.credentials.createInsecure();
    case 'system-roots':
      return grpc.credentials.createSsl();
    case 'ca-file':
      return grpc.credentials.createSsl(tls.rootCerts);
  }
}
