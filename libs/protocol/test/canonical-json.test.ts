import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical-json';

describe('canonicalJson: the one JSON shape (docs/json.md)', () => {
  it('writes a TaskResult as proto3 canonical JSON with proto field names', () => {
    const json = canonicalJson('TaskResult', {
      task_id: 'abc',
      state: 'COMPLETED',
      exit_code: 3,
      output_size: 9007199254740991,
      duration: 1.5,
      created_ts: { seconds: 1700000000, nanos: 5_000_000 },
      bot_dimensions: [{ key: 'os', value: ['Linux'] }],
    });
    expect(json).toMatchObject({
      task_id: 'abc',
      state: 'COMPLETED',
      // 64-bit integers as strings, exact to 2^53-1.
      exit_code: '3',
      output_size: '9007199254740991',
      duration: 1.5,
      created_ts: '2023-11-14T22:13:20.005Z',
      bot_dimensions: [{ key: 'os', value: ['Linux'] }],
      // Implicit-presence fields are present at their defaults.
      failure: false,
      bot_id: '',
      tags: [],
    });
    // Unset messages and unset optional fields are omitted.
    expect(json).not.toHaveProperty('started_ts');
    expect(canonicalJson('TaskResult', { task_id: 'x' })).not.toHaveProperty('exit_code');
  });

  it('writes bytes as base64 and a zero count as "0"', () => {
    expect(
      canonicalJson('TaskOutput', {
        offset: 0,
        output: Buffer.from('hi'),
        state: 'RUNNING',
        size: 2,
      }),
    ).toEqual({ offset: '0', output: 'aGk=', state: 'RUNNING', size: '2' });
    expect(canonicalJson('drover.v1.CountTasksResponse', { count: 0 })).toEqual({ count: '0' });
  });

  it('refuses a type the protocol does not have', () => {
    expect(() => canonicalJson('NoSuchMessage', {})).toThrow(
      /no message drover\.v1\.NoSuchMessage/,
    );
  });
});
