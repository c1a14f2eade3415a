/**
 * The audit of the Bots service's admin actions (quarantine, unquarantine, maintenance, delete,
 * terminate), refused or not, whichever edge they came through (gRPC, Connect, the dashboard).
 */
import type { Store } from '@drover/state';
import type { Principal } from '../auth/principal';
import { botPools } from '../rpc/bots-view';
import { audited, type AuditLog } from './audit-log';

/** Who acts, and from where (the caller's address: grpcPeer / httpPeer). */
export interface Actor {
  readonly principal: Principal;
  readonly peer: string;
}

/**
 * The bot's pools as an audit entry's pool (`a|b` for several, '' for none or an unknown bot),
 * read before the action so that a deleted bot keeps its pool in the log.
 */
async function auditPoolOfBot(store: Pick<Store, 'getBot'>, botId: string): Promise<string> {
  if (botId === '') return '';
  try {
    const bot = await store.getBot(botId);
    return bot === undefined ? '' : botPools(bot.dimensions).sort().join('|');
  } catch {
    // The action itself will meet the store's failure and report it.
    return '';
  }
}

/** Runs a bot admin action as `actor` and records it once, ok or refused (`bots.<verb>`). */
export async function auditedBotAction<T>(
  deps: { readonly store: Pick<Store, 'getBot'>; readonly audit: AuditLog },
  actor: Actor,
  action: string,
  botId: string,
  details: Readonly<Record<string, unknown>>,
  run: () => Promise<T>,
  describe?: (result: T) => Readonly<Record<string, unknown>>,
): Promise<T> {
  const pool = await auditPoolOfBot(deps.store, botId);
  return audited(
    deps.audit,
    { principal: actor.principal, peer: actor.peer, action, target: botId, pool, details },
    run,
    describe === undefined ? undefined : (result) => ({ details: describe(result) }),
  );
}
