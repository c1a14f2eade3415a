// The per-task resource limits of TaskProperties (memory_limit_bytes, pids_limit, cpu_weight):
// absent = none, otherwise a whole number in the documented range, or INVALID_ARGUMENT naming
// the field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  TASK_LIMITS,
  validateNewTask,
  type NewTaskRequestOut,
} from '../src/index';

type Props = NonNullable<NewTaskRequestOut['properties']>;
type LimitField = 'memory_limit_bytes' | 'pids_limit' | 'cpu_weight';

function props(over: Partial<Props> = {}): Props {
  return {
    command: ['echo', 'hi'],
    env: [],
    env_prefixes: [],
    relative_cwd: '',
    dimensions: [{ key: 'pool', value: 'default' }],
    idempotent: false,
    caches: [],
    cas_input_root: null,
    ...over,
  };
}

function sliced(over: Partial<Props>): NewTaskRequestOut {
  return {
    name: 't',
    tags: [],
    secret_bytes: Buffer.alloc(0),
    user: '',
    request_uuid: '',
    task_slices: [
      { properties: props(), wait_for_capacity: false },
      { properties: props({ ...over, idempotent: true }), wait_for_capacity: false },
    ],
    properties: null,
    parent_task_id: '',
    notify: null,
  };
}

function refusal(request: NewTaskRequestOut): InvalidArgumentError {
  try {
    validateNewTask(request);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error('accepted');
}

const MIB = 1024 ** 2;
const TIB = 1024 ** 4;

const FIELDS: readonly {
  readonly field: LimitField;
  readonly domain: 'memoryLimitBytes' | 'pidsLimit' | 'cpuWeight';
  readonly min: number;
  readonly max: number;
}[] = [
  { field: 'memory_limit_bytes', domain: 'memoryLimitBytes', min: MIB, max: TIB },
  { field: 'pids_limit', domain: 'pidsLimit', min: 1, max: 65_536 },
  { field: 'cpu_weight', domain: 'cpuWeight', min: 1, max: 10_000 },
];

describe('validateNewTask: resource limits', () => {
  it('documents the ranges of the proto in TASK_LIMITS', () => {
    expect(TASK_LIMITS).toMatchObject({
      minMemoryLimitBytes: MIB,
      maxMemoryLimitBytes: TIB,
      minPidsLimit: 1,
      maxPidsLimit: 65_536,
      minCpuWeight: 1,
      maxCpuWeight: 10_000,
    });
  });

  it('leaves every limit out when none is given (no limit, not a default one)', () => {
    const p = validateNewTask(sliced({})).slices[1]!.properties;
    expect(p).not.toHaveProperty('memoryLimitBytes');
    expect(p).not.toHaveProperty('pidsLimit');
    expect(p).not.toHaveProperty('cpuWeight');
  });

  describe.each(FIELDS)('$field', ({ field, domain, min, max }) => {
    it.each([min, max, Math.floor((min + max) / 2)])('accepts %d', (value) => {
      const spec = validateNewTask(sliced({ [field]: value }));
      expect(spec.slices[1]!.properties[domain]).toBe(value);
    });

    it.each([
      ['below the range', min - 1],
      ['above the range', max + 1],
      ['zero', 0],
      ['negative', -1],
      ['not a whole number', min + 0.5],
    ])('refuses a value %s, naming the field and the range', (_what, value) => {
      const err = refusal(sliced({ [field]: value }));
      expect(err.field).toBe(`task_slices[1].properties.${field}`);
      expect(err.message).toContain(`must be between ${min} and ${max}`);
      expect(err.message).toContain(`got ${value}`);
    });

    it('names the field of the one-slice shorthand as properties.<field>', () => {
      const err = refusal({
        ...sliced({}),
        task_slices: [],
        properties: props({ [field]: max + 1 }),
      });
      expect(err.field).toBe(`properties.${field}`);
    });
  });

  it('keeps all three in the properties and tells different limits apart in the hash', () => {
    const limits = { memory_limit_bytes: 512 * MIB, pids_limit: 256, cpu_weight: 50 };
    const spec = validateNewTask(sliced(limits));
    expect(spec.slices[1]!.properties).toMatchObject({
      memoryLimitBytes: 512 * MIB,
      pidsLimit: 256,
      cpuWeight: 50,
    });
    const hashes = new Set(
      [{}, limits, { ...limits, memory_limit_bytes: 256 * MIB }, { ...limits, pids_limit: 128 }]
        .concat([{ ...limits, cpu_weight: 51 }])
        .map((over) => validateNewTask(sliced(over)).slices[1]!.propertiesHash),
    );
    expect(hashes.size).toBe(5);
  });
});

describe('docs/limits.md', () => {
  const rows = readFileSync(new URL('../../../docs/limits.md', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| `NewTask`'));

  it.each(FIELDS)('has a row for $field with its range', ({ field, min, max }) => {
    const row = rows.find((r) => r.includes(`\`task_slices[].properties.${field}\``));
    expect(row).toContain(`| ${max} `);
    expect(row).toContain(`at least ${min}`);
  });
});
