import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal';

/** One authenticated request to the dashboard API. */
export interface ApiContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly principal: Principal;
  /** The pattern's capture groups, URI-decoded. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
}

/** A route of the dashboard API: every one needs a client token. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handle: (ctx: ApiContext) => Promise<void>;
}
