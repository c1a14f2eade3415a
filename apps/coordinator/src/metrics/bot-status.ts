import type { BotRecord } from '@drover/state';
import { poolLabel, poolOfBotDimensions } from './pool-label';

/**
 * The statuses a bot is counted under in `drover_bots` (DESIGN.md §4). A bot is either `alive`
 * or `dead`; an alive bot is either `busy` or `idle`; `quarantined` and `maintenance` are counted
 * on top (a quarantined bot is also alive or dead).
 */
export const BOT_STATUSES = [
  'alive',
  'dead',
  'busy',
  'idle',
  'quarantined',
  'maintenance',
] as const;
export type BotStatus = (typeof BOT_STATUSES)[number];

/** What the coordinator knows live about a bot, beyond its stored record. */
export interface BotLiveView {
  isConnected(botId: string): boolean;
  lastSeenOf(botId: string): number | undefined;
  /** The bot's own quarantine reason ('' = healthy). */
  quarantinedReasonOf(botId: string): string | undefined;
  /** The task the bot holds, if any. */
  taskOf(botId: string): string | undefined;
}

/** Counts bots by pool and status. Pure: `nowMs` and the live view come from the caller. */
export function countBotsByStatus(
  bots: readonly BotRecord[],
  live: BotLiveView,
  nowMs: number,
  deathTimeoutMs: number,
): Map<string, Record<BotStatus, number>> {
  const out = new Map<string, Record<BotStatus, number>>();
  for (const bot of bots) {
    const pool = poolLabel(poolOfBotDimensions(bot.dimensions));
    let counts = out.get(pool);
    if (counts === undefined) {
      counts = { alive: 0, dead: 0, busy: 0, idle: 0, quarantined: 0, maintenance: 0 };
      out.set(pool, counts);
    }
    const lastSeenMs = Math.max(bot.lastSeenMs, live.lastSeenOf(bot.id) ?? 0);
    const alive = live.isConnected(bot.id) || nowMs - lastSeenMs <= deathTimeoutMs;
    if (!alive) {
      counts.dead++;
    } else {
      counts.alive++;
      if (live.taskOf(bot.id) !== undefined) counts.busy++;
      else counts.idle++;
    }
    const selfQuarantined = (live.quarantinedReasonOf(bot.id) ?? '') !== '';
    if (bot.admin.quarantinedReason !== '' || selfQuarantined) counts.quarantined++;
    if (bot.admin.maintenance) counts.maintenance++;
  }
  return out;
}
