import type { PendingCaps } from './pending-caps';

/** Caps on connections that have not authenticated yet (docs/limits.md, "Connections"). */
export interface ConnectionCaps {
  /** BotApi.Connect streams opened with a bot token whose Hello has not come. */
  readonly botHello: PendingCaps;
  /** Dashboard WebSockets (`/ws`) whose `auth` message has not come. */
  readonly dashboardSocket: PendingCaps;
}

/**
 * A bot sends Hello as soon as its stream is open, and the dashboard page its `auth` message as
 * soon as its socket is: seconds are plenty, even over a slow link.
 */
export const CONNECTION_CAPS: ConnectionCaps = Object.freeze({
  botHello: Object.freeze({ perPeer: 64, total: 1024, timeoutMs: 10_000 }),
  dashboardSocket: Object.freeze({ perPeer: 16, total: 256, timeoutMs: 5_000 }),
});

/** The caps with `overrides` applied. */
export function connectionCaps(overrides: Partial<ConnectionCaps> = {}): ConnectionCaps {
  return Object.freeze({ ...CONNECTION_CAPS, ...overrides });
}
