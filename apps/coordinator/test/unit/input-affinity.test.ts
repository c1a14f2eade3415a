// Cache-aware dispatch (docs/cas.md), the coordinator's side without gRPC: the registry keeps
// what bots report in BotHealth.input_trees (bounded), and the Dispatcher gives a task with an
// input tree to an idle matching bot holding it, else at once to another idle matching bot.
import type { CoordinatorMessage } from '@drover/protocol';
import { createTask, toDimensionMap, type BotDimensionMap, type TaskSpec } from '@drover/state';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BotRegistry, type SessionHandle } from '../../src/botapi/bot-registry';
import { Dispatcher } from '../../src/engine/dispatcher';
import type { Fleet } from '../../src/engine/fleet';
import { MAX_INPUT_TREES } from '../../src/fleet/input-trees';

const TREE = 'a'.repeat(64);
const OTHER_TREE = 'b'.repeat(64);

function botDims(id: string): BotDimensionMap {
  return toDimensionMap([
    { key: 'id', values: [id] },
    { key: 'pool', values: ['ci'] },
  ]);
}

/** Bots `cold` and `warm` connected; `warm` holds TREE. */
class TwoBotFleet implements Fleet {
  readonly holders = new Map<string, Set<string>>([[TREE, new Set(['warm'])]]);
  hasCapacity(): boolean {
    return true;
  }
  send(_botId: string, _message: CoordinatorMessage): boolean {
    return true;
  }
  dimensionsOf(botId: string): BotDimensionMap | undefined {
    return botId === 'cold' || botId === 'warm' ? botDims(botId) : undefined;
  }
  reachableDimensionsOf(botId: string): BotDimensionMap | undefined {
    return this.dimensionsOf(botId);
  }
  inputTreeHolders(treeHash: string): ReadonlySet<string> | undefined {
    return this.holders.get(treeHash);
  }
}

function spec(inputTree?: string): TaskSpec {
  return {
    name: 'inputs',
    priority: 100,
    tags: [],
    user: 'alice',
    authenticated: 'alice',
    requestUuid: '',
    parentTaskId: '',
    slices: [
      {
        properties: {
          command: ['true'],
          env: [],
          envPrefixes: [],
          relativeCwd: '',
          dimensions: [{ key: 'pool', value: 'ci' }],
          executionTimeoutSecs: 60,
          ioTimeoutSecs: 0,
          gracePeriodSecs: 30,
          idempotent: false,
          ...(inputTree === undefined ? {} : { casInputRoot: { hash: inputTree, sizeBytes: 100 } }),
        },
        expirationSecs: 60,
        waitForCapacity: false,
        propertiesHash: `hash-${inputTree ?? 'none'}`,
      },
    ],
  };
}

/** A dispatcher whose claims succeed at once, recording which bot got which task. */
function dispatcherOn(fleet: Fleet, inputAffinity = true) {
  const claimed: Array<{ taskId: string; botId: string }> = [];
  const dispatcher = new Dispatcher({
    fleet,
    log: pino({ level: 'silent' }),
    pingToleranceMs: 60_000,
    claim: (taskId, event) => {
      claimed.push({ taskId, botId: event.botId });
      return Promise.resolve({ refused: 'not-found' as const });
    },
    requeue: () => {},
    held: () => {},
    inputAffinity,
  });
  return { dispatcher, claimed };
}

function created(id: string, inputTree?: string) {
  return createTask({ id, spec: spec(inputTree), nowMs: 1_000, capacity: [true] }).task;
}

describe('Dispatcher: a task with an input tree, at submit (takeAtCreation)', () => {
  it('goes to the warm bot when both are idle, though the cold one has been idle longer', () => {
    const { dispatcher } = dispatcherOn(new TwoBotFleet());
    dispatcher.botReady('cold');
    dispatcher.botReady('warm');
    expect(dispatcher.takeAtCreation(created('t1', TREE), 1_000)?.botId).toBe('warm');
  });

  it('goes at once to the cold bot when the warm one is busy', () => {
    const { dispatcher } = dispatcherOn(new TwoBotFleet());
    dispatcher.botReady('cold');
    dispatcher.botReady('warm');
    expect(dispatcher.takeAtCreation(created('t1'), 1_000)?.botId).toBe('cold');
    // Now only `warm` is idle, then it is taken: a task for TREE waits for nobody.
    expect(dispatcher.takeAtCreation(created('t2'), 1_000)?.botId).toBe('warm');
    dispatcher.release('cold', 't1');
    expect(dispatcher.takeAtCreation(created('t3', TREE), 1_000)?.botId).toBe('cold');
  });

  it('prefers nothing without inputs, for a tree nobody holds, or with the preference off', () => {
    for (const [tree, affinity] of [
      [undefined, true],
      [OTHER_TREE, true],
      [TREE, false],
    ] as const) {
      const { dispatcher } = dispatcherOn(new TwoBotFleet(), affinity);
      dispatcher.botReady('cold');
      dispatcher.botReady('warm');
      expect(dispatcher.takeAtCreation(created('t1', tree), 1_000)?.botId).toBe('cold');
    }
  });
});

describe('Dispatcher: a waiting task with an input tree (enqueue)', () => {
  it('is claimed for the warm bot when both are idle', async () => {
    const { dispatcher, claimed } = dispatcherOn(new TwoBotFleet());
    dispatcher.botReady('cold');
    dispatcher.botReady('warm');
    dispatcher.enqueue('t1', {
      priority: 100,
      createdAtMs: 1_000,
      dimensions: [{ key: 'pool', value: 'ci' }],
      terminate: false,
      inputTree: TREE,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(claimed).toEqual([{ taskId: 't1', botId: 'warm' }]);
  });

  it('a bot going idle takes the first task by priority and age, not the one it holds', async () => {
    const fleet = new TwoBotFleet();
    const { dispatcher, claimed } = dispatcherOn(fleet);
    const waiting = (inputTree?: string) => ({
      priority: 100,
      createdAtMs: 1_000,
      dimensions: [{ key: 'pool', value: 'ci' }],
      terminate: false,
      inputTree,
    });
    dispatcher.load('older-cold', waiting(OTHER_TREE));
    dispatcher.load('newer-warm', { ...waiting(TREE), createdAtMs: 2_000 });
    dispatcher.botReady('warm');
    await new Promise((resolve) => setImmediate(resolve));
    expect(claimed[0]).toEqual({ taskId: 'older-cold', botId: 'warm' });
  });
});

describe('BotRegistry: the input trees a connected bot reports', () => {
  function session(): SessionHandle {
    return { sessionId: 's1', send: () => true, close: () => {} };
  }

  it('keeps at most 32 well-formed hashes per bot and drops them when the bot goes', () => {
    const registry = new BotRegistry({ shared: false, clock: () => 0, botDeathTimeoutMs: 1_000 });
    const handle = session();
    registry.connect('b1', [{ key: 'pool', values: ['ci'] }], handle);
    const many = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(64, '0'));
    registry.setInputTrees('b1', ['not-a-hash', TREE.toUpperCase(), TREE, TREE, ...many]);
    expect(registry.inputTreeHolders(TREE)).toEqual(new Set(['b1']));
    expect(registry.inputTreeHolders(many[MAX_INPUT_TREES - 2]!)).toEqual(new Set(['b1']));
    expect(registry.inputTreeHolders(many[MAX_INPUT_TREES - 1]!)).toBeUndefined();
    expect(registry.inputTreeHolders('not-a-hash')).toBeUndefined();

    registry.setInputTrees('b1', [OTHER_TREE]);
    expect(registry.inputTreeHolders(TREE)).toBeUndefined();
    expect(registry.inputTreeHolders(OTHER_TREE)).toEqual(new Set(['b1']));

    registry.disconnect('b1', handle);
    expect(registry.inputTreeHolders(OTHER_TREE)).toBeUndefined();
    // Not connected: nothing recorded.
    registry.setInputTrees('b1', [TREE]);
    expect(registry.inputTreeHolders(TREE)).toBeUndefined();
  });
});
