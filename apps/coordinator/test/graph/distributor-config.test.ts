// The coordinator config's `distributors` and the task a quest becomes (pure, no server).
import { normalizeQuestDesc, type QuestDesc } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config-file';
import { compileDistributors } from '../../src/graph/distributor-config';
import { executionTaskSpec, questTaskSpec } from '../../src/graph/execution-task';

function questDesc(distributorParameters: object, name = 'drover'): QuestDesc {
  const desc = normalizeQuestDesc({
    distributorConfigName: name,
    parameters: '{}',
    distributorParameters: JSON.stringify(distributorParameters),
    meta: { timeouts: { start: 120, run: 900, stop: 15 } },
  });
  if (!('ok' in desc)) throw new Error(desc.message);
  return desc.ok;
}

describe('distributors', () => {
  it('reads the config file key and always keeps the built-in drover', () => {
    const raw = parseConfigText(
      'distributors:\n  ci:\n    dimensions: { pool: ci }\n    priority: 50\n',
      '/x/drover.yaml',
    );
    const distributors = compileDistributors(raw.distributors);
    expect([...distributors.keys()].sort()).toEqual(['ci', 'drover']);
    expect(distributors.get('ci')?.defaults).toEqual({ dimensions: { pool: 'ci' }, priority: 50 });
  });

  it('refuses a bad entry, naming it', () => {
    expect(() => compileDistributors({ ci: { command: 'true' } })).toThrow(
      new ConfigError('distributors.ci.command: must be a list of strings'),
    );
    expect(() => compileDistributors(['x'])).toThrow(ConfigError);
  });

  it('maps the timeouts onto the task and merges the defaults under the quest', () => {
    const distributors = compileDistributors({
      ci: { dimensions: { pool: 'ci', os: 'Linux' }, env: { A: 'a' }, priority: 50 },
    });
    const spec = questTaskSpec(
      distributors,
      questDesc({ command: ['run'], dimensions: { os: 'Mac' }, io_timeout: 60 }, 'ci'),
      '',
    );
    const slice = spec.slices[0]!;
    expect(slice.expirationSecs).toBe(120);
    expect(slice.properties).toMatchObject({
      command: ['run'],
      executionTimeoutSecs: 900,
      gracePeriodSecs: 15,
      ioTimeoutSecs: 60,
      env: [{ key: 'A', value: 'a' }],
      dimensions: [
        { key: 'pool', value: 'ci' },
        { key: 'os', value: 'Mac' },
      ],
    });
    expect(spec.priority).toBe(50);
  });

  it('names the quest field of a task the validator refuses', () => {
    const distributors = compileDistributors(undefined);
    expect(() =>
      questTaskSpec(distributors, questDesc({ dimensions: { pool: 'p' } }), 'quests[1].'),
    ).toThrow(/^quests\[1\]\.distributor_parameters\.command:/);
    expect(() => questTaskSpec(distributors, questDesc({ command: ['x'] }, 'nope'), '')).toThrow(
      /^distributor_config_name: unknown distributor "nope"/,
    );
  });

  it('gives the task the named caches, as name=path, name:path or {name, path}', () => {
    const distributors = compileDistributors({ ci: { caches: ['pip=.cache/pip'] } });
    const spec = questTaskSpec(
      distributors,
      questDesc(
        {
          command: ['x'],
          dimensions: { pool: 'p' },
          caches: ['npm=.npm', 'go:go/pkg', { name: 'cargo', path: 'x/a:b=c' }],
        },
        'ci',
      ),
      '',
    );
    expect(spec.slices[0]!.properties.caches).toEqual([
      { name: 'npm', path: '.npm' },
      { name: 'go', path: 'go/pkg' },
      { name: 'cargo', path: 'x/a:b=c' },
    ]);
    // The quest's list replaces the distributor's, as tags do.
    const defaults = questTaskSpec(
      distributors,
      questDesc({ command: ['x'], dimensions: { pool: 'p' } }, 'ci'),
      '',
    );
    expect(defaults.slices[0]!.properties.caches).toEqual([{ name: 'pip', path: '.cache/pip' }]);
    const bad = (caches: unknown) =>
      questTaskSpec(
        distributors,
        questDesc({ command: ['x'], dimensions: { pool: 'p' }, caches }),
        'quests[0].',
      );
    expect(() => bad('npm=.npm')).toThrow(/^quests\[0\]\.distributor_parameters\.caches:/);
    expect(() => bad(['npm'])).toThrow(/^quests\[0\]\.distributor_parameters\.caches\[0\]:/);
    expect(() => bad(['NPM=.npm'])).toThrow(
      /^quests\[0\]\.distributor_parameters\.caches\[0\]\.name:/,
    );
    expect(() => bad(['a=x', 'b=/abs'])).toThrow(
      /^quests\[0\]\.distributor_parameters\.caches\[1\]\.path:/,
    );
  });

  it('puts the execution id and activation token in the secret env only', () => {
    const spec = executionTaskSpec(
      compileDistributors(undefined),
      questDesc({ command: ['x'], dimensions: { pool: 'p' } }),
      {
        type: 'create-task',
        execution: { quest: 'Q'.repeat(43), attempt: 2, execution: 3 },
        activationToken: Buffer.alloc(32, 1),
        distributorConfigName: 'drover',
        distributorParameters: '{}',
        asAccount: '',
        expirationSecs: 1,
        executionTimeoutSecs: 1,
        gracePeriodSecs: 1,
      },
    );
    const props = spec.slices[0]!.properties;
    expect(props.env).toEqual([]);
    expect(props.secretEnv).toEqual([
      { key: 'DROVER_EXECUTION_ID', value: `${'Q'.repeat(43)}/2/3` },
      { key: 'DROVER_EXECUTION_TOKEN', value: Buffer.alloc(32, 1).toString('base64url') },
    ]);
  });
});
