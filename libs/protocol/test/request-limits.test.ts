import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FIELD_LIMITS,
  REQUEST_LIMITS,
  REQUEST_MAX_BYTES,
  findLimitViolation,
} from '../src/index';

const DOC = readFileSync(new URL('../../../docs/limits.md', import.meta.url), 'utf8');

describe('findLimitViolation', () => {
  it('names the first field over its limit, with its indices', () => {
    const req = { task_slices: [{}, { properties: { command: ['a', 'x'.repeat(65_537)] } }] };
    expect(findLimitViolation('Tasks.NewTask', req)).toEqual({
      field: 'task_slices[1].properties.command[1]',
      problem: 'at most 65536 characters, got 65537',
    });
  });

  it('applies the defaults to fields the table does not name, and to unknown RPCs', () => {
    const over = 'x'.repeat(DEFAULT_FIELD_LIMITS.maxChars + 1);
    expect(findLimitViolation('Tasks.GetResult', { other: over })?.field).toBe('other');
    expect(findLimitViolation('No.Such', { list: Array(65).fill(1) })?.problem).toMatch(/64 items/);
    expect(findLimitViolation('No.Such', { b: Buffer.alloc(1025) })?.problem).toMatch(/1024 bytes/);
  });

  it('accepts everything at its limit', () => {
    expect(
      findLimitViolation('Tasks.NewTask', {
        tags: Array(256).fill('k:v'),
        task_slices: [{ properties: { dimensions: Array(64).fill({ key: 'k', value: 'v' }) } }],
      }),
    ).toBeUndefined();
  });
});

describe('docs/limits.md', () => {
  const rows = DOC.split('\n').filter((l) => l.startsWith('| '));
  it('has a row for every limit of the table, with its value', () => {
    const missing: string[] = [];
    for (const [rpc, fields] of Object.entries(REQUEST_LIMITS)) {
      const short = rpc.slice(rpc.indexOf('.') + 1);
      for (const [pattern, limit] of Object.entries(fields)) {
        if (pattern.startsWith('properties.')) continue; // documented once, as task_slices[]
        const value = limit.maxItems ?? limit.maxChars ?? limit.maxBytes;
        const found = rows.some(
          (r) =>
            r.includes(`\`${short}\``) && r.includes(`\`${pattern}\``) && r.includes(`${value} `),
        );
        if (!found) missing.push(`${rpc} ${pattern} ${value}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every request size', () => {
    for (const [rpc, bytes] of Object.entries(REQUEST_MAX_BYTES)) {
      const short = rpc.slice(rpc.indexOf('.') + 1);
      expect(rows.some((r) => r.includes(`\`${short}\``) && r.includes(`${bytes} bytes`))).toBe(
        true,
      );
    }
  });
});
