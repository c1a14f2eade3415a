// task-retention and task-retention-pools: durations, 0 = forever, from a flag, a variable or
// the config file; bad values named.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  compileCoordinatorConfig,
  parseCoordinatorArgs,
  type CoordinatorOptions,
} from '../../src/config';
import { parseRetention, retentionCutoffs } from '../../src/retention/retention-config';
import { tempDir } from '../harness';

const DAY = 86_400_000;

function compile(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseCoordinatorArgs(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return compileCoordinatorConfig(parsed.options as CoordinatorOptions);
}

describe('task retention settings', () => {
  it('defaults to 90 days for every pool', () => {
    expect(compile([]).retention).toEqual({ defaultMs: 90 * DAY, pools: {} });
  });

  it('reads durations in s, m, h, d; 0 keeps tasks forever', () => {
    expect(parseRetention('x', '90d')).toBe(90 * DAY);
    expect(parseRetention('x', '12h')).toBe(12 * 3_600_000);
    expect(parseRetention('x', '30m')).toBe(30 * 60_000);
    expect(parseRetention('x', '45s')).toBe(45_000);
    expect(parseRetention('x', '1.5d')).toBe(1.5 * DAY);
    expect(parseRetention('x', '0')).toBeUndefined();
    expect(parseRetention('x', 0)).toBeUndefined();
    expect(parseRetention('x', 3600)).toBe(3_600_000);
    for (const bad of ['90', '90 days', '-1d', 'd', '', '1w', '0d']) {
      expect(() => parseRetention('task-retention', bad)).toThrow(ConfigError);
    }
    expect(() => parseRetention('task-retention', '1w')).toThrow(
      /task-retention: must be a duration/,
    );
  });

  it('comes from the flag, then the variable (flags win)', () => {
    expect(compile(['--task-retention', '30d']).retention.defaultMs).toBe(30 * DAY);
    expect(compile([], { DROVER_TASK_RETENTION: '12h' }).retention.defaultMs).toBe(12 * 3_600_000);
    expect(
      compile(['--task-retention', '0'], { DROVER_TASK_RETENTION: '12h' }).retention.defaultMs,
    ).toBeUndefined();
  });

  it('takes per-pool overrides from the config file', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'drover.yaml');
      writeFileSync(
        file,
        'task-retention: 60d\ntask-retention-pools:\n  ci: 30d\n  release: 0\n  "": 7d\n',
      );
      const config = compile(['--config', file]);
      expect(config.retention).toEqual({
        defaultMs: 60 * DAY,
        pools: { ci: 30 * DAY, release: undefined, '': 7 * DAY },
      });
      expect(retentionCutoffs(config.retention, 100 * DAY)).toEqual({
        beforeMs: 40 * DAY,
        pools: { ci: 70 * DAY, release: undefined, '': 93 * DAY },
      });
      writeFileSync(file, 'task-retention-pools:\n  ci: soon\n');
      expect(() => compile(['--config', file])).toThrow(
        /task-retention-pools\.ci: must be a duration/,
      );
      writeFileSync(file, 'task-retention-pools: [ci]\n');
      expect(() => compile(['--config', file])).toThrow(/task-retention-pools: must be a mapping/);
    } finally {
      dir.remove();
    }
  });
});
