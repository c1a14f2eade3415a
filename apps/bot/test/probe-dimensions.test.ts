import { createRequire } from 'node:module';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { probeDimensions, probeSystemFacts } from '../src/index';

describe('probeSystemFacts', () => {
  it("reports this machine's facts from a child process, without loading systeminformation here", async () => {
    const facts = await probeSystemFacts({ env: { PATH: process.env.PATH } });
    expect(facts.os.platform).toBe(os.platform());
    expect(facts.os.arch).toBe(os.arch());
    expect(facts.cpu.cores).toBeGreaterThan(0);
    expect(facts.mem.total).toBe(os.totalmem());
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((f) => f.includes('systeminformation'))).toEqual([]);
  });

  it('turns the facts into dimensions, the configured ones winning', async () => {
    const dims = await probeDimensions({ botId: 'b1', pool: 'p', extras: { gpu: ['x'] } });
    expect(dims).toMatchObject({ id: ['b1'], pool: ['p'], gpu: ['x'] });
    expect(dims.cores?.[0]).toMatch(/^[1-9][0-9]*$/);
  });
});
