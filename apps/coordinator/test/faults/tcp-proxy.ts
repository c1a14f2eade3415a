// A controllable TCP proxy on 127.0.0.1:0 in front of one upstream address (the coordinator's
// gRPC port), for network-fault tests. Byte-transparent: it knows nothing of HTTP/2 or gRPC.
//
//   passing ──cut()──▶ cut ──restore()──▶ passing          any ──close()──▶ closed
//
// cut() destroys every open connection at once (both sides see the socket close, as after a
// reset by a middlebox) and, until restore(), treats new connections by `mode`:
//   - 'refuse':    accepted and reset at once (the client sees ECONNRESET / a dropped connection);
//   - 'blackhole': accepted and held without a byte read or forwarded (a silent partition); on
//                  restore() each held connection is joined to a fresh upstream connection, so
//                  what the client wrote meanwhile arrives then, like TCP after a healed link.
// `existing: 'stall'` leaves the open connections in place but stops forwarding on them (a silent
// partition for peers already connected: no FIN, no RST); restore() lets their bytes through.
import { once } from 'node:events';
import {
  createConnection,
  createServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

export interface CutOptions {
  /** How new connections are treated until restore(). @default 'refuse' */
  readonly mode?: CutMode;
  /** What happens to the connections open now. @default 'destroy' */
  readonly existing?: 'destroy' | 'stall';
}

type ProxyState =
  | { readonly kind: 'passing' }
  | { readonly kind: 'cut'; readonly mode: CutMode }
  | { readonly kind: 'closed' };

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  stalled: boolean;
}

export class TcpProxy {
  readonly #server: Server;
  readonly #upstreamHost: string;
  readonly #upstreamPort: number;
  readonly #pairs = new Set<Pair>();
  #state: ProxyState = { kind: 'passing' };
  #accepted = 0;
  #closing: Promise<void> | undefined;

  private constructor(server: Server, upstream: { host: string; port: number }) {
    this.#server = server;
    this.#upstreamHost = upstream.host;
    this.#upstreamPort = upstream.port;
    server.on('connection', (socket) => this.#onConnection(socket));
  }

  /** Starts a proxy on 127.0.0.1:0 forwarding to `upstream` (host:port). */
  static async start(upstream: string): Promise<TcpProxy> {
    const m = /^(.*):(\d+)$/.exec(upstream);
    if (m === null) throw new Error(`upstream must be host:port, got ${upstream}`);
    const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    const server = createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, { host, port: Number(m[2]) });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  /** host:port to connect to instead of the upstream. */
  get address(): string {
    const a = this.#server.address() as AddressInfo;
    return `127.0.0.1:${a.port}`;
  }

  /** Connections accepted since start (refused and held ones included). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections currently open through the proxy (held and stalled ones included). */
  get open(): number {
    return this.#pairs.size;
  }

  get state(): ProxyState['kind'] {
    return this.#state.kind;
  }

  cut(opts: CutOptions = {}): void {
    if (this.#state.kind === 'closed') return;
    this.#state = { kind: 'cut', mode: opts.mode ?? 'refuse' };
    for (const pair of [...this.#pairs]) {
      if (opts.existing === 'stall') this.#stall(pair);
      else this.#destroy(pair);
    }
  }

  restore(): void {
    if (this.#state.kind !== 'cut') return;
    this.#state = { kind: 'passing' };
    for (const pair of [...this.#pairs]) {
      if (pair.upstream === undefined) this.#join(pair);
      else if (pair.stalled) this.#unstall(pair);
    }
  }

  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = { kind: 'closed' };
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const pair of [...this.#pairs]) this.#destroy(pair);
      await closed;
    })();
    return this.#closing;
  }

  #onConnection(client: Socket): void {
    this.#accepted++;
    const state = this.#state;
    if (state.kind === 'closed' || (state.kind === 'cut' && state.mode === 'refuse')) {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, stalled: false };
    this.#pairs.add(pair);
    client.on('error', () => this.#destroy(pair));
    client.on('close', () => this.#destroy(pair));
    // 'blackhole': the client stays paused (pauseOnConnect), its bytes wait in the kernel.
    if (state.kind === 'passing') this.#join(pair);
  }

  /** Connects the pair's upstream and forwards both ways. */
  #join(pair: Pair): void {
    const upstream = createConnection({ host: this.#upstreamHost, port: this.#upstreamPort });
    pair.upstream = upstream;
    upstream.on('error', () => this.#destroy(pair));
    upstream.on('close', () => this.#destroy(pair));
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
  }

  /** No byte moves either way; the sockets stay open. */
  #stall(pair: Pair): void {
    if (pair.upstream === undefined || pair.stalled) return;
    pair.stalled = true;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  }

  #unstall(pair: Pair): void {
    if (pair.upstream === undefined || !pair.stalled) return;
    pair.stalled = false;
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  }

  #destroy(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (socket === undefined || socket.destroyed) continue;
      socket.on('error', () => {});
      // A reset, not a FIN: the peer learns at once that the connection is gone.
      socket.resetAndDestroy();
    }
  }
}
