// The dispatch index (DESIGN.md §6): waiting tasks in queues per OR-free dimension set, ordered by
// (priority, created time, id); idle bots indexed by the queues they match.
import { describe, expect, it } from 'vitest';
import {
  DispatchIndex,
  matchesDimensions,
  toDimensionMap,
  type BotDimensionMap,
  type KeyValue,
  type PendingEntry,
} from '../src/index';
import { T0 } from './fixtures';

/** `os=Linux` → { key: 'os', value: 'Linux' }. */
function dims(...pairs: string[]): KeyValue[] {
  return pairs.map((p) => {
    const at = p.indexOf('=');
    return { key: p.slice(0, at), value: p.slice(at + 1) };
  });
}

/** `os=Linux,Linux-Debian` → os: {Linux, Linux-Debian}. */
function bot(...pairs: string[]): BotDimensionMap {
  return toDimensionMap(
    pairs.map((p) => {
      const at = p.indexOf('=');
      return { key: p.slice(0, at), values: p.slice(at + 1).split(',') };
    }),
  );
}

function task(taskId: string, requested: string[], priority = 200, createdAtMs = T0): PendingEntry {
  return { taskId, priority, createdAtMs, dimensions: dims(...requested) };
}

/** Proposes and takes pairs the way the coordinator does: bot idle → taskForBot → claim. */
function drainFor(index: DispatchIndex, botId: string, dimensions: BotDimensionMap): string[] {
  const taken: string[] = [];
  for (;;) {
    index.setBotIdle(botId, dimensions);
    const next = index.taskForBot(botId);
    if (next === undefined) return taken;
    index.removeBot(botId);
    index.removePending(next.taskId);
    taken.push(next.taskId);
  }
}

const LINUX = bot('pool=ci', 'os=Linux,Linux-Debian', 'cpu=x86-64', 'id=linux-1');
const MAC = bot('pool=ci', 'os=Mac', 'cpu=arm64', 'id=mac-1');

describe('DispatchIndex: order', () => {
  const CASES: readonly {
    why: string;
    tasks: PendingEntry[];
    bot: BotDimensionMap;
    order: string[];
  }[] = [
    {
      why: 'lower priority first across queues',
      tasks: [
        task('a', ['pool=ci'], 200, T0),
        task('b', ['pool=ci', 'os=Linux'], 100, T0 + 5),
        task('c', ['pool=ci', 'cpu=x86-64'], 50, T0 + 9),
      ],
      bot: LINUX,
      order: ['c', 'b', 'a'],
    },
    {
      why: 'submit order within a priority, across queues',
      tasks: [
        task('late', ['pool=ci', 'os=Linux'], 100, T0 + 3),
        task('early', ['pool=ci', 'os=Linux-Debian'], 100, T0 + 1),
        task('middle', ['pool=ci'], 100, T0 + 2),
      ],
      bot: LINUX,
      order: ['early', 'middle', 'late'],
    },
    {
      why: 'the task id when priority and time tie',
      tasks: [
        task('t2', ['pool=ci'], 100, T0),
        task('t1', ['pool=ci', 'os=Linux'], 100, T0),
        task('t3', ['pool=ci', 'os=Linux'], 100, T0),
      ],
      bot: LINUX,
      order: ['t1', 't2', 't3'],
    },
    {
      why: 'only the tasks the bot matches, OR alternatives included',
      tasks: [
        task('mac', ['pool=ci', 'os=Mac'], 10),
        task('either', ['pool=ci', 'os=Mac|Linux'], 20),
        task('other-pool', ['pool=prod'], 1),
        task('and', ['pool=ci', 'os=Linux', 'os=Linux-Debian'], 30),
        task('and-fails', ['pool=ci', 'os=Linux', 'os=Mac'], 5),
      ],
      bot: LINUX,
      order: ['either', 'and'],
    },
    {
      why: 'tasks without pool or without dimensions too',
      tasks: [task('bare', [], 10), task('no-pool', ['os=Mac|Linux'], 20), task('x', ['zone=a'])],
      bot: LINUX,
      order: ['bare', 'no-pool'],
    },
  ];

  for (const c of CASES) {
    it(`dispatches by ${c.why}`, () => {
      const index = new DispatchIndex();
      for (const t of c.tasks) index.addPending(t);
      expect(drainFor(index, 'b1', c.bot)).toEqual(c.order);
    });

    it(`dispatches by ${c.why}, with the bot idle before the tasks come`, () => {
      const index = new DispatchIndex();
      index.setBotIdle('b1', c.bot);
      const offered: string[] = [];
      for (const t of c.tasks) {
        index.addPending(t);
        if (index.botForTask(t.dimensions) === 'b1') offered.push(t.taskId);
      }
      expect(offered.sort()).toEqual([...c.order].sort());
      expect(drainFor(index, 'b1', c.bot)).toEqual(c.order);
    });
  }
});

describe('DispatchIndex: OR tasks and removal', () => {
  it('dispatches a task waiting in several queues once', () => {
    const index = new DispatchIndex();
    index.addPending(task('or', ['pool=ci', 'os=Mac|Linux', 'cpu=arm64|x86-64']));
    expect(index.pendingCount).toBe(1);
    expect(index.stats().queues).toBe(4);
    expect(drainFor(index, 'linux', LINUX)).toEqual(['or']);
    expect(drainFor(index, 'mac', MAC)).toEqual([]);
    expect(index.pendingCount).toBe(0);
    expect(index.hasPending('or')).toBe(false);
  });

  it('gives an OR task to whichever matching bot asks first', () => {
    const index = new DispatchIndex();
    index.addPending(task('or', ['pool=ci', 'os=Mac|Linux']));
    index.setBotIdle('mac', MAC);
    index.setBotIdle('linux', LINUX);
    expect(index.taskForBot('linux')?.taskId).toBe('or');
    expect(index.taskForBot('mac')?.taskId).toBe('or');
    index.removePending('or');
    expect(index.taskForBot('linux')).toBeUndefined();
    expect(index.taskForBot('mac')).toBeUndefined();
  });

  it('removes a cancelled task from the middle of its queues', () => {
    const index = new DispatchIndex();
    for (let i = 0; i < 20; i++) index.addPending(task(`t${i}`, ['pool=ci'], 100, T0 + i));
    for (const i of [0, 7, 8, 13, 19]) expect(index.removePending(`t${i}`)).toBe(true);
    expect(index.removePending('t7')).toBe(false);
    expect(index.removePending('never')).toBe(false);
    const left = Array.from({ length: 20 }, (_, i) => `t${i}`).filter(
      (id) => !['t0', 't7', 't8', 't13', 't19'].includes(id),
    );
    expect(index.pendingCount).toBe(left.length);
    expect(drainFor(index, 'b', LINUX)).toEqual(left);
  });

  it('replaces an entry added again under the same id', () => {
    const index = new DispatchIndex();
    index.addPending(task('t', ['pool=ci', 'os=Mac'], 100));
    index.addPending(task('u', ['pool=ci'], 150));
    index.addPending(task('t', ['pool=ci', 'os=Linux'], 200)); // next slice
    expect(index.pendingCount).toBe(2);
    expect(drainFor(index, 'mac', MAC)).toEqual(['u']);
    expect(drainFor(index, 'linux', LINUX)).toEqual(['t']);
  });
});

describe('DispatchIndex: bots', () => {
  it('answers for a bot matching several queues with the best head among them', () => {
    const index = new DispatchIndex();
    index.addPending(task('pool-only', ['pool=ci'], 100, T0 + 3));
    index.addPending(task('os', ['pool=ci', 'os=Linux'], 100, T0 + 2));
    index.addPending(task('cpu', ['pool=ci', 'cpu=x86-64'], 100, T0 + 1));
    index.addPending(task('mac', ['pool=ci', 'os=Mac'], 1));
    index.setBotIdle('linux', LINUX);
    expect(index.taskForBot('linux')?.taskId).toBe('cpu');
    expect(index.stats().queuesVisited).toBe(3);
  });

  it('finds a queue created while bots are idle for exactly the bots matching it', () => {
    const index = new DispatchIndex();
    index.setBotIdle('linux', LINUX);
    index.setBotIdle('mac', MAC);
    index.setBotIdle('prod', bot('pool=prod', 'os=Linux'));
    index.addPending(task('new', ['pool=ci', 'os=Linux-Debian']));
    expect(index.botForTask(dims('pool=ci', 'os=Linux-Debian'))).toBe('linux');
    expect(index.taskForBot('linux')?.taskId).toBe('new');
    expect(index.taskForBot('mac')).toBeUndefined();
    expect(index.taskForBot('prod')).toBeUndefined();
  });

  it('prefers the bot idle longest among those matching', () => {
    const index = new DispatchIndex();
    index.setBotIdle('b2', LINUX);
    index.setBotIdle('b1', LINUX);
    index.addPending(task('t', ['pool=ci']));
    expect(index.botForTask(dims('pool=ci'))).toBe('b2');
    index.removeBot('b2');
    expect(index.botForTask(dims('pool=ci'))).toBe('b1');
    index.setBotIdle('b2', LINUX);
    expect(index.botForTask(dims('pool=ci'))).toBe('b1');
  });

  it('offers nothing to or for a removed bot, and everything again when it comes back', () => {
    const index = new DispatchIndex();
    index.setBotIdle('linux', LINUX);
    index.addPending(task('t', ['pool=ci', 'os=Linux']));
    index.removeBot('linux');
    index.removeBot('linux');
    expect(index.isIdle('linux')).toBe(false);
    expect(index.idleBotCount).toBe(0);
    expect(index.taskForBot('linux')).toBeUndefined();
    expect(index.botForTask(dims('pool=ci', 'os=Linux'))).toBeUndefined();
    index.addPending(task('u', ['pool=ci', 'cpu=x86-64'])); // new queue while the bot rests
    index.setBotIdle('linux', LINUX);
    expect(index.idleBotIds()).toEqual(['linux']);
    expect(drainFor(index, 'linux', LINUX)).toEqual(['t', 'u']);
  });

  it('re-matches a bot that comes back with other dimensions', () => {
    const index = new DispatchIndex();
    index.addPending(task('linux-task', ['pool=ci', 'os=Linux']));
    index.addPending(task('mac-task', ['pool=ci', 'os=Mac']));
    index.setBotIdle('b', LINUX);
    expect(index.taskForBot('b')?.taskId).toBe('linux-task');
    index.setBotIdle('b', MAC); // still idle, dimensions changed
    expect(index.taskForBot('b')?.taskId).toBe('mac-task');
    expect(index.botForTask(dims('pool=ci', 'os=Linux'))).toBeUndefined();
    expect(index.stats().knownBots).toBe(1);
  });

  it('answers botForTask for dimensions no pending task has', () => {
    const index = new DispatchIndex();
    index.setBotIdle('linux', LINUX);
    index.setBotIdle('mac', MAC);
    expect(index.botForTask(dims('pool=ci', 'os=Mac|Windows'))).toBe('mac');
    expect(index.botForTask(dims('pool=ci', 'gpu=none'))).toBeUndefined();
    expect(index.botForTask([])).toBe('linux');
    expect(index.stats().queues).toBe(0);
  });
});

describe('DispatchIndex: bounded memory', () => {
  it('drops empty queues beyond the retained ones and finds them again when needed', () => {
    const index = new DispatchIndex({ retainEmptyQueues: 1 });
    index.setBotIdle('linux', LINUX);
    for (const os of ['Linux', 'Linux-Debian']) {
      index.addPending(task(`t-${os}`, ['pool=ci', `os=${os}`]));
    }
    index.removePending('t-Linux');
    index.removePending('t-Linux-Debian');
    expect(index.stats()).toMatchObject({ queues: 1, emptyQueues: 1 });
    index.removeBot('linux');
    index.addPending(task('again', ['pool=ci', 'os=Linux']));
    expect(index.stats()).toMatchObject({ queues: 2, emptyQueues: 1 });
    index.setBotIdle('linux', LINUX);
    expect(index.taskForBot('linux')?.taskId).toBe('again');
  });

  it('forgets the oldest resting bots beyond the retained ones and relearns them', () => {
    const index = new DispatchIndex({ retainRestingBots: 1 });
    index.addPending(task('t', ['pool=ci', 'os=Linux']));
    index.setBotIdle('a', LINUX);
    index.setBotIdle('b', LINUX);
    index.removeBot('a');
    index.removeBot('b');
    expect(index.stats().knownBots).toBe(1);
    index.setBotIdle('a', LINUX);
    expect(index.taskForBot('a')?.taskId).toBe('t');
    expect(index.botForTask(dims('pool=ci', 'os=Linux'))).toBe('a');
  });
});

describe('DispatchIndex: deep queues', () => {
  const SETS = 1000;
  const PER_SET = 100;

  /** 100k tasks over 1000 sets; in set s, task i has priority 1 + (i*7 + s) % 50. */
  function deepIndex(): DispatchIndex {
    const index = new DispatchIndex();
    for (let i = 0; i < PER_SET; i++) {
      for (let s = 0; s < SETS; s++) {
        const priority = 1 + ((i * 7 + s) % 50);
        index.addPending(task(`s${s}-t${i}`, ['pool=deep', `set=s${s}`], priority, T0 + i));
      }
    }
    return index;
  }

  /** The order in which set s must come out: priority, then created time (= i). */
  function expectedOrder(s: number): string[] {
    return Array.from({ length: PER_SET }, (_, i) => ({ i, p: 1 + ((i * 7 + s) % 50) }))
      .sort((a, b) => a.p - b.p || a.i - b.i)
      .map(({ i }) => `s${s}-t${i}`);
  }

  it('keeps 100k tasks in 1000 sets in order', () => {
    const index = deepIndex();
    expect(index.pendingCount).toBe(SETS * PER_SET);
    expect(index.stats().queues).toBe(SETS);
    for (const s of [0, 1, 499, 998, 999]) {
      expect(drainFor(index, `bot-${s}`, bot('pool=deep', `set=s${s}`))).toEqual(expectedOrder(s));
    }
    expect(index.pendingCount).toBe((SETS - 5) * PER_SET);
    // A bot of all sets takes the best head among the 995 left.
    const everything = bot('pool=deep', `set=${Array.from({ length: SETS }, (_, s) => `s${s}`)}`);
    index.setBotIdle('all', everything);
    const head = index.taskForBot('all')!;
    expect(head.priority).toBe(1);
    expect(head.createdAtMs).toBe(T0);
  });

  it('looks at the queues a bot matches, however many tasks wait', () => {
    const probe = bot('pool=deep', 'set=s3,s4');
    const shallow = new DispatchIndex();
    for (let s = 0; s < SETS; s++) shallow.addPending(task(`s${s}`, ['pool=deep', `set=s${s}`]));
    const deep = deepIndex();
    for (const index of [shallow, deep]) {
      const before = index.stats();
      index.setBotIdle('probe', probe);
      index.taskForBot('probe');
      const after = index.stats();
      expect(after.queuesVisited - before.queuesVisited).toBe(2);
      // Learning the bot checks the queues of its pool once.
      expect(after.matchChecks - before.matchChecks).toBe(SETS);
      index.removeBot('probe');
      index.setBotIdle('probe', probe);
      expect(index.stats().matchChecks).toBe(after.matchChecks);
    }
  });

  it('agrees with a scan of every waiting task over random operations', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const OS = ['Linux', 'Mac', 'Windows'];
    const CPU = ['x86', 'arm64'];
    const requestOf = (): string[] => {
      const r = ['pool=ci'];
      if (random(2) === 0)
        r.push(`os=${OS[random(3)]}${random(3) === 0 ? `|${OS[random(3)]}` : ''}`);
      if (random(2) === 0) r.push(`cpu=${CPU[random(2)]}${random(4) === 0 ? '|arm64' : ''}`);
      return r;
    };
    const botOf = (): BotDimensionMap =>
      bot('pool=ci', `os=${OS[random(3)]}`, `cpu=${CPU[random(2)]}${random(2) ? ',x86' : ''}`);

    const index = new DispatchIndex({ retainEmptyQueues: 2, retainRestingBots: 3 });
    const pending = new Map<string, PendingEntry>();
    const idle = new Map<string, BotDimensionMap>();
    const firstFor = (d: BotDimensionMap) =>
      [...pending.values()]
        .filter((e) => matchesDimensions(e.dimensions, d))
        .sort((a, b) => a.priority - b.priority || a.createdAtMs - b.createdAtMs)[0]?.taskId;

    for (let step = 0; step < 5000; step++) {
      const op = random(6);
      if (op <= 1) {
        const entry = task(`t${step}`, requestOf(), 1 + random(3), T0 + step);
        index.addPending(entry);
        pending.set(entry.taskId, entry);
        const proposed = index.botForTask(entry.dimensions);
        const matching = [...idle].filter(([, d]) => matchesDimensions(entry.dimensions, d));
        if (proposed === undefined) expect(matching).toEqual([]);
        else expect(matchesDimensions(entry.dimensions, idle.get(proposed)!)).toBe(true);
      } else if (op === 2 && pending.size > 0) {
        const id = [...pending.keys()][random(pending.size)]!;
        expect(index.removePending(id)).toBe(true);
        pending.delete(id);
      } else if (op === 3) {
        const botId = `b${random(8)}`;
        const d = botOf();
        index.setBotIdle(botId, d);
        idle.set(botId, d);
      } else if (op === 4 && idle.size > 0) {
        const botId = [...idle.keys()][random(idle.size)]!;
        index.removeBot(botId);
        idle.delete(botId);
      } else if (idle.size > 0) {
        const botId = [...idle.keys()][random(idle.size)]!;
        const got = index.taskForBot(botId)?.taskId;
        expect(got).toBe(firstFor(idle.get(botId)!));
        if (got !== undefined) {
          index.removeBot(botId);
          idle.delete(botId);
          index.removePending(got);
          pending.delete(got);
        }
      }
      expect(index.pendingCount).toBe(pending.size);
      expect(index.idleBotCount).toBe(idle.size);
    }
  });
});

describe('DispatchIndex: lazy removal stays bounded', () => {
  it('drops OR copies dispatched through another queue once they outnumber the live tasks', () => {
    const index = new DispatchIndex();
    // Each task waits in both queues (os=Mac and os=Linux); the Linux bot takes them all.
    for (let i = 0; i < 1000; i++) {
      index.addPending(task(`or-${i}`, ['pool=ci', 'os=Mac|Linux'], 100, T0 + i));
    }
    index.addPending(task('mac-only', ['pool=ci', 'os=Mac'], 255, T0));
    expect(index.stats().heldTasks).toBe(2001);
    for (let i = 0; i < 1000; i++) {
      index.setBotIdle('linux', LINUX);
      expect(index.taskForBot('linux')?.taskId).toBe(`or-${i}`);
      index.removeBot('linux');
      index.removePending(`or-${i}`);
      // Each queue holds removed copies only while they are ≤ 32 or ≤ its live ones; here every
      // live task has two copies, in 2 queues.
      expect(index.stats().heldTasks).toBeLessThanOrEqual(2 * (2 * index.pendingCount) + 2 * 33);
    }
    expect(drainFor(index, 'mac', MAC)).toEqual(['mac-only']);
    expect(index.stats().heldTasks).toBe(0);
  });
});
