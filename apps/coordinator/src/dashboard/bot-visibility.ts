import { NotFoundError, PermissionDeniedError } from '@drover/protocol';
import type { Store } from '@drover/state';
import { can, poolsWith, type Principal } from '../auth/principal';
import { botPools, requireBotId } from '../rpc/bots-view';

/**
 * Whether the dashboard shows a bot's page and history (`/api/bots/<id>`, `…/events`, `…/tasks`)
 * to `p`: a caller with `view` in no pool is refused (403, it may not view bots at all); to any
 * other caller a bot that is not there answers 404 — unknown, or of a pool it may not view, one
 * answer for both, so nothing tells that a bot of another pool exists. A deleted bot's history
 * (its events stay) is shown to a caller who views every pool, as the Bots service does; without
 * any history the bot is unknown, 404.
 * @returns the stored bot, or undefined for a deleted one with history
 */
export async function requireVisibleBot(
  store: Pick<Store, 'getBot' | 'listBotEvents'>,
  p: Principal,
  botId: string,
): Promise<Awaited<ReturnType<Store['getBot']>>> {
  requireBotId(botId);
  const viewable = poolsWith(p, 'view');
  if (viewable !== 'all' && viewable.length === 0) {
    throw new PermissionDeniedError('the view role in some pool is needed to view bots');
  }
  const notThere = new NotFoundError(`bot ${botId} (unknown, or not in a pool you may view)`);
  const bot = await store.getBot(botId);
  if (bot === undefined) {
    if (viewable !== 'all') throw notThere;
    const history = await store.listBotEvents({ botId }, { limit: 1 });
    if (history.events.length === 0) throw notThere;
    return undefined;
  }
  if (!can(p, 'view', botPools(bot.dimensions))) throw notThere;
  return bot;
}
