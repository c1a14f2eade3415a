import { describe, expect, it } from 'vitest';
import { NO_CTRL_C, countStopSignal, stopStep, type CtrlCState } from '../dev/stop-steps';

describe("npm start's Ctrl-C steps", () => {
  it.each([
    [1, 'drain'],
    [2, 'now'],
    [3, 'kill'],
    [4, 'kill'],
  ] as const)('Ctrl-C number %i is %s', (count, step) => {
    expect(stopStep(count)).toBe(step);
  });

  it('counts every signal when nothing echoes them (echo window 0), however close', () => {
    let state: CtrlCState = NO_CTRL_C;
    for (const at of [1000, 1000, 1001]) state = countStopSignal(state, at, 0).state;
    expect(state.count).toBe(3);
  });

  it("takes a signal within the echo window for npm's forward of the same Ctrl-C", () => {
    const first = countStopSignal(NO_CTRL_C, 1000, 250);
    expect(first).toEqual({ state: { count: 1, lastAtMs: 1000 }, counted: true });
    const echo = countStopSignal(first.state, 1003, 250);
    expect(echo).toEqual({ state: first.state, counted: false });
    const second = countStopSignal(echo.state, 1250, 250);
    expect(second).toEqual({ state: { count: 2, lastAtMs: 1250 }, counted: true });
  });
});
