import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  DroverError,
  FailedPreconditionError,
  type BotCodeChunk,
  type GetBotCodeRequestOut,
} from '@drover/protocol';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/tokens';
import { authenticate, serverStream, write } from '../rpc/grpc-edge';
import type { BotCodeSource } from './bot-code-source';

/** Bytes per BotCodeChunk. */
export const CHUNK_BYTES = 1024 * 1024;

class UnavailableError extends DroverError {
  constructor(message: string) {
    super(status.UNAVAILABLE, message, { retryable: true });
  }
}

/**
 * BotApi.GetBotCode: the bot code pack, in chunks, to a bot token. FAILED_PRECONDITION when
 * updates are off or the bot asks for a version the coordinator does not serve (any more).
 */
export function getBotCodeHandler(deps: {
  readonly source: BotCodeSource;
  readonly tokens: TokenAuthority;
  readonly log: Logger;
}): grpc.handleServerStreamingCall<GetBotCodeRequestOut, BotCodeChunk> {
  return serverStream(deps.log, 'GetBotCode', async (req, call, signal) => {
    authenticate(deps.tokens, call.metadata, 'bot');
    if (!deps.source.enabled)
      throw new FailedPreconditionError('bot updates are off on this coordinator (--bot-update)');
    const code = await deps.source.load();
    if (code === undefined)
      throw new UnavailableError('the bot code is not available; see the coordinator log');
    if (req.version !== '' && req.version !== code.version)
      throw new FailedPreconditionError(
        `version: this coordinator serves bot code ${code.version}, not ${req.version}`,
      );
    deps.log.info({ version: code.version, bytes: code.pack.length }, 'serving bot code');
    // The first chunk names the code; an empty pack would still be sent as one (empty) chunk.
    let offset = 0;
    do {
      if (signal.aborted) return;
      const data = code.pack.subarray(offset, offset + CHUNK_BYTES);
      const chunk: BotCodeChunk =
        offset === 0
          ? { version: code.version, sha256: code.sha256, size: code.pack.length, offset, data }
          : { offset, data };
      offset += data.length;
      await write(call, chunk, signal);
    } while (offset < code.pack.length);
  });
}
