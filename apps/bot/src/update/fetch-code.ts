import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  sha256Hex,
  type BotCodeChunkOut,
  type UpdateOut,
} from '@drover/protocol';

export type FetchOutcome =
  | { readonly ok: true; readonly pack: Buffer; readonly server: string }
  | { readonly ok: false; readonly reason: string };

export interface FetchCodeOptions {
  /** Coordinator addresses; tried in order until one serves the code. */
  readonly servers: readonly string[];
  readonly credentials: grpc.ChannelCredentials;
  readonly token: string;
  /** Per server. @default 120_000 */
  readonly timeoutMs?: number;
}

/** A pack larger than this is refused (today's is ~2.5 MB). */
const MAX_PACK_BYTES = 256 * 1024 * 1024;

/**
 * Fetches the bot code `update` names (BotApi.GetBotCode) and checks it is exactly that: the
 * size, and the SHA-256 of the whole. Tries each server in turn.
 */
export async function fetchBotCode(update: UpdateOut, o: FetchCodeOptions): Promise<FetchOutcome> {
  const reasons: string[] = [];
  for (const server of o.servers) {
    const got = await fetchFrom(server, update, o);
    if (got.ok) return got;
    reasons.push(`${server}: ${got.reason}`);
  }
  return { ok: false, reason: reasons.join('; ') };
}

async function fetchFrom(
  server: string,
  update: UpdateOut,
  o: FetchCodeOptions,
): Promise<FetchOutcome> {
  const { BotApi } = loadDroverProto().drover.v1;
  const client = new BotApi(server, o.credentials, CLIENT_CHANNEL_OPTIONS);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${o.token}`);
  try {
    const call = client.GetBotCode({ version: update.version }, metadata, {
      deadline: Date.now() + (o.timeoutMs ?? 120_000),
    });
    const pieces: Buffer[] = [];
    let received = 0;
    const outcome = await new Promise<FetchOutcome>((resolve) => {
      const fail = (reason: string) => {
        call.cancel();
        resolve({ ok: false, reason });
      };
      call.on('data', (chunk: BotCodeChunkOut) => {
        if (chunk.offset !== received)
          return fail(`chunk at ${chunk.offset}, expected ${received}`);
        received += chunk.data.length;
        if (received > Math.min(update.size, MAX_PACK_BYTES))
          return fail(`more than the ${update.size} bytes announced`);
        pieces.push(chunk.data);
      });
      call.on('error', (err: grpc.ServiceError) =>
        resolve({ ok: false, reason: `${grpc.status[err.code] ?? err.code}: ${err.details}` }),
      );
      call.on('end', () => resolve({ ok: true, pack: Buffer.concat(pieces), server }));
    });
    if (!outcome.ok) return outcome;
    if (outcome.pack.length !== update.size)
      return { ok: false, reason: `got ${outcome.pack.length} bytes, expected ${update.size}` };
    const sha256 = sha256Hex(outcome.pack);
    if (sha256 !== update.sha256)
      return { ok: false, reason: `sha256 ${sha256}, expected ${update.sha256}` };
    return outcome;
  } finally {
    client.close();
  }
}
