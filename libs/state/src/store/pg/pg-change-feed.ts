import { createHash } from 'node:crypto';
import pg from 'pg';
import { decodeNote, type ChangeFeed, type ChangeNote } from '../change-feed';

/** The NOTIFY channel of one Drover deployment (schemas share a database, channels do too). */
export function changeChannel(schema: string): string {
  return boundedChannel(`drover_changes_${schema}`);
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** The idle LISTEN connection is probed this often; a probe unanswered this long = lost. */
const PROBE_EVERY_MS = 15_000;
const PROBE_TIMEOUT_MS = 10_000;

/** A channel name PostgreSQL keeps whole (identifiers are cut at 63 bytes; pg_notify refuses). */
function boundedChannel(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  return `drover_changes_${createHash('sha256').update(name).digest('hex').slice(0, 48)}`;
}

/**
 * LISTENs on the deployment's channel over a connection of its own, opened at the first
 * subscriber, and hands other replicas' notes to the subscribers in the order PostgreSQL
 * delivers them (commit order). A lost connection is reopened with backoff; since notes sent
 * meanwhile are gone, subscribers then get a `resync` note.
 */
export class PgChangeFeed implements ChangeFeed {
  readonly #url: string;
  readonly #channel: string;
  readonly #origin: string;
  readonly #onError: (err: Error) => void;
  readonly #subscribers = new Set<(note: ChangeNote) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryMs = RECONNECT_MIN_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: {
    url: string;
    schema: string;
    origin: string;
    onError: (err: Error) => void;
  }) {
    this.#url = options.url;
    this.#channel = changeChannel(options.schema);
    this.#origin = options.origin;
    this.#onError = options.onError;
  }

  /** Resolves once LISTEN is in place (notes committed after it are delivered). */
  ready(): Promise<void> {
    return this.#connecting ?? Promise.resolve();
  }

  subscribe(fn: (note: ChangeNote) => void): () => void {
    this.#subscribers.add(fn);
    if (this.#client === undefined && this.#connecting === undefined) this.#connect(false);
    return () => this.#subscribers.delete(fn);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    await this.#connecting?.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #connect(resync: boolean): void {
    if (this.#closed) return;
    // Nothing is ever sent on a LISTEN connection: TCP keepalive and a periodic probe notice a
    // connection a NAT or a failover dropped without a word.
    const client = new pg.Client({
      connectionString: this.#url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.#connecting = (async () => {
      try {
        await client.connect();
        client.on('notification', (msg) => {
          if (msg.channel === this.#channel && msg.payload !== undefined)
            this.#deliver(msg.payload);
        });
        client.on('error', (err) => this.#lost(client, err));
        client.on('end', () => this.#lost(client, new Error('listen connection ended')));
        await client.query(`LISTEN "${this.#channel}"`);
        if (this.#closed) {
          await client.end();
          return;
        }
        this.#client = client;
        this.#retryMs = RECONNECT_MIN_MS;
        this.#probe(client);
        if (resync) this.#emit({ kind: 'resync' });
      } catch (err) {
        await client.end().catch(() => undefined);
        this.#lost(client, err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.#connecting = undefined;
      }
    })();
  }

  #probe(client: pg.Client): void {
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    this.#probeTimer = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('listen connection probe timed out')),
          PROBE_TIMEOUT_MS,
        );
      });
      Promise.race([client.query('SELECT 1'), timeout])
        .catch((err: unknown) => {
          this.#lost(client, err instanceof Error ? err : new Error(String(err)));
          void client.end().catch(() => undefined);
        })
        .finally(() => clearTimeout(timer));
    }, PROBE_EVERY_MS);
    this.#probeTimer.unref();
  }

  #lost(client: pg.Client, err: Error): void {
    if (this.#closed) return;
    if (this.#client !== undefined && this.#client !== client) return;
    if (this.#retryTimer !== undefined) return;
    if (this.#probeTimer !== undefined) clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#client = undefined;
    this.#onError(err);
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect(true);
    }, delay);
    this.#retryTimer.unref();
  }

  #deliver(payload: string): void {
    const decoded = decodeNote(payload);
    if (decoded === undefined || decoded.origin === this.#origin) return;
    this.#emit(decoded.note);
  }

  #emit(note: ChangeNote): void {
    for (const fn of [...this.#subscribers]) {
      try {
        fn(note);
      } catch (err) {
        this.#onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
