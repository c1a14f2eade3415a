import type { CoordinatorMessage } from '@drover/protocol';
import type { BotDimensionMap, KeyValue } from '@drover/state';

/** What dispatch needs from the fleet (the bot registry): capacity and a way to reach a bot. */
export interface Fleet {
  /** Some known bot (connected, or seen within the death timeout) could run these dimensions. */
  hasCapacity(dimensions: readonly KeyValue[]): boolean;
  /** Sends a message to a connected bot; false when it has no live session. */
  send(botId: string, message: CoordinatorMessage): boolean;
  /** The dimensions of a connected bot that takes tasks (not quarantined, not in maintenance). */
  dimensionsOf(botId: string): BotDimensionMap | undefined;
  /**
   * The dimensions of a connected bot even if it takes no tasks (quarantined, in maintenance):
   * a termination task still reaches it.
   */
  reachableDimensionsOf(botId: string): BotDimensionMap | undefined;
  /**
   * The connected bots whose last Hello or heartbeat said they hold this input tree complete
   * (BotHealth.input_trees): dispatch prefers them among the idle bots matching a task with it.
   */
  inputTreeHolders(treeHash: string): ReadonlySet<string> | undefined;
}
