// Which live updates the dashboard's lists keep and draw (static/updates.js, a browser module with
// no DOM, run in node): those received during each load, each task's newest, never one older than
// the row shown, so an update received while a load was on its way neither undoes the answer nor
// draws back a state the task has left.
import { describe, expect, it } from 'vitest';

interface Update {
  id: string;
  state: string;
  modified: number;
}
interface UpdatesModule {
  UpdatesDuringLoads: new () => {
    begin(): { since: string[]; end: () => void };
    received(items: readonly string[]): void;
  };
  newestUpdates<T>(
    items: readonly T[],
    idOf: (item: T) => string,
    modifiedMs: (item: T) => number,
    shownMs: (id: string) => number | undefined,
  ): T[];
}

// A path in a variable: the module is plain JS for the browser, with no type declarations.
const UPDATES_URL = new URL('../../src/dashboard/static/updates.js', import.meta.url).href;
const { newestUpdates, UpdatesDuringLoads } = (await import(UPDATES_URL)) as UpdatesModule;

const drawn = (items: Update[], shown: Record<string, number> = {}) =>
  newestUpdates(
    items,
    (u) => u.id,
    (u) => u.modified,
    (id) => shown[id],
  ).map((u) => `${u.id}:${u.state}`);

describe('newestUpdates', () => {
  it("draws each task's last update once, in the order the tasks first came", () => {
    const items = [
      { id: 'a', state: 'PENDING', modified: 1 },
      { id: 'b', state: 'PENDING', modified: 2 },
      { id: 'a', state: 'RUNNING', modified: 3 },
      { id: 'a', state: 'COMPLETED', modified: 4 },
    ];
    expect(drawn(items)).toEqual(['a:COMPLETED', 'b:PENDING']);
  });

  it("does not draw an update older than the row shown (the load's answer read after it)", () => {
    const items = [{ id: 'a', state: 'PENDING', modified: 5 }];
    expect(drawn(items, { a: 9 })).toEqual([]);
    // The same time (one write): drawn, the copy is as new as the row's.
    expect(drawn(items, { a: 5 })).toEqual(['a:PENDING']);
    expect(drawn(items, { a: 4 })).toEqual(['a:PENDING']);
  });

  it('judges only the newest update of a task against its row', () => {
    const items = [
      { id: 'a', state: 'PENDING', modified: 10 },
      { id: 'a', state: 'CANCELED', modified: 3 }, // an older copy received last: left out
      { id: 'b', state: 'RUNNING', modified: 7 },
    ];
    expect(drawn(items, { a: 5, b: 6 })).toEqual(['b:RUNNING']);
  });

  it('draws nothing for no updates', () => {
    expect(drawn([])).toEqual([]);
  });
});

describe('UpdatesDuringLoads', () => {
  it('keeps for each load the updates received while it was on its way, none after its end', () => {
    const loads = new UpdatesDuringLoads();
    loads.received(['before']);
    const first = loads.begin();
    loads.received(['a']);
    const second = loads.begin();
    loads.received(['b', 'c']);
    first.end();
    loads.received(['d']);
    second.end();
    loads.received(['after']);
    expect(first.since).toEqual(['a', 'b', 'c']);
    expect(second.since).toEqual(['b', 'c', 'd']);
  });
});
