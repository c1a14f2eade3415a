/** At most this many of a bot's input trees are kept (BotHealth.input_trees says ≤ 32). */
export const MAX_INPUT_TREES = 32;
const TREE_HASH = /^[0-9a-f]{64}$/;

/**
 * Which connected bot holds which input tree complete, as its last Hello or heartbeat said
 * (BotHealth.input_trees, most recently used first), and the inverse: the bots holding a tree,
 * which dispatch prefers for a task with it (docs/cas.md). Per bot, the first 32 well-formed
 * hashes (64 lowercase hex) are kept and the rest ignored; a tree's hash string is stored once
 * however many bots hold it.
 */
export class InputTreeHolders {
  /** Bot → the trees it holds (the interned hash strings, in the order it reported them). */
  readonly #byBot = new Map<string, readonly string[]>();
  /** Tree hash → the bots holding it (and the one copy of the hash string). */
  readonly #byTree = new Map<string, { readonly hash: string; readonly bots: Set<string> }>();

  /** Records what the bot reports now; a repeat of the same list costs a comparison. */
  set(botId: string, reported: readonly string[] | undefined): void {
    const before = this.#byBot.get(botId) ?? [];
    const trees = wellFormed(reported ?? []);
    if (sameList(before, trees)) return;
    this.#drop(botId, before);
    if (trees.length === 0) {
      this.#byBot.delete(botId);
      return;
    }
    const kept: string[] = [];
    for (const hash of trees) {
      let holders = this.#byTree.get(hash);
      if (holders === undefined) this.#byTree.set(hash, (holders = { hash, bots: new Set() }));
      holders.bots.add(botId);
      kept.push(holders.hash);
    }
    this.#byBot.set(botId, kept);
  }

  /** The bot is gone (disconnected, deleted): it holds nothing dispatch may count on. */
  forget(botId: string): void {
    const before = this.#byBot.get(botId);
    if (before === undefined) return;
    this.#drop(botId, before);
    this.#byBot.delete(botId);
  }

  holdersOf(treeHash: string): ReadonlySet<string> | undefined {
    return this.#byTree.get(treeHash)?.bots;
  }

  treesOf(botId: string): readonly string[] {
    return this.#byBot.get(botId) ?? [];
  }

  #drop(botId: string, trees: readonly string[]): void {
    for (const hash of trees) {
      const holders = this.#byTree.get(hash);
      holders?.bots.delete(botId);
      if (holders?.bots.size === 0) this.#byTree.delete(hash);
    }
  }
}

function wellFormed(reported: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const hash of reported) {
    if (out.length === MAX_INPUT_TREES) break;
    if (typeof hash !== 'string' || !TREE_HASH.test(hash) || seen.has(hash)) continue;
    seen.add(hash);
    out.push(hash);
  }
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
