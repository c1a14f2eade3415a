import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, PermissionDeniedError } from '@drover/protocol';
import type { NewAuditRecord } from '@drover/state';
import {
  AuditLog,
  audited,
  auditDetailsJson,
  auditResultOf,
  httpPeer,
  MAX_AUDIT_DETAILS_BYTES,
} from '../../src/audit/audit-log';

/** A sink that holds each write until released, recording the batches it was given. */
function heldSink() {
  const batches: NewAuditRecord[][] = [];
  const releases: (() => void)[] = [];
  return {
    batches,
    release: () => releases.shift()?.(),
    appendAudit(entries: readonly NewAuditRecord[]) {
      batches.push([...entries]);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  };
}

const base = { principal: 'alice', peer: '127.0.0.1:5000', action: 'tasks.cancel', target: 't1' };

describe('AuditLog', () => {
  it('resolves a record only once the store holds it, with the time, result and details', async () => {
    const sink = heldSink();
    const log = new AuditLog(sink, () => 1234);
    let stored = false;
    const p = log
      .record({ ...base, pool: 'ci', details: { reason: 'r' }, result: 'ok' })
      .then(() => {
        stored = true;
      });
    await Promise.resolve();
    expect(stored).toBe(false);
    sink.release();
    await p;
    expect(sink.batches).toEqual([
      [
        {
          timeMs: 1234,
          principal: 'alice',
          peer: '127.0.0.1:5000',
          action: 'tasks.cancel',
          target: 't1',
          details: '{"reason":"r"}',
          result: 'ok',
          pool: 'ci',
        },
      ],
    ]);
  });

  it('stores the records made while a write is in flight together in the next write', async () => {
    const sink = heldSink();
    const log = new AuditLog(sink, () => 0);
    const first = log.record({ ...base, target: 'a', result: 'ok' });
    const rest = ['b', 'c', 'd'].map((target) => log.record({ ...base, target, result: 'ok' }));
    sink.release();
    await first;
    await Promise.resolve();
    sink.release();
    await Promise.all(rest);
    expect(sink.batches.map((b) => b.map((r) => r.target))).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('rejects the records of a failed write and keeps writing later ones', async () => {
    let fail = true;
    const log = new AuditLog(
      {
        appendAudit: () => (fail ? Promise.reject(new Error('disk full')) : Promise.resolve()),
      },
      () => 0,
    );
    await expect(log.record({ ...base, result: 'ok' })).rejects.toThrow('disk full');
    fail = false;
    await expect(log.record({ ...base, result: 'ok' })).resolves.toBeUndefined();
  });
});

describe('audit helpers', () => {
  it('turns a refusal into CODE: message and hides internal errors', () => {
    expect(auditResultOf(new PermissionDeniedError('needs cancel in pool ci'))).toBe(
      'PERMISSION_DENIED: needs cancel in pool ci',
    );
    expect(auditResultOf(new InvalidArgumentError('reason', 'too long'))).toBe(
      'INVALID_ARGUMENT: reason: too long',
    );
    expect(auditResultOf(new Error('secret detail'))).toBe('INTERNAL: internal error');
  });

  it('cuts details to 4 KiB of JSON, keeping the short fields whole', () => {
    const json = auditDetailsJson({
      reason: 'x'.repeat(10_000),
      force: true,
      text: 'é'.repeat(5000),
    });
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_AUDIT_DETAILS_BYTES);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed).toMatchObject({ truncated: true, force: true });
    expect(String(parsed['reason'])).toMatch(/^x+…$/);
    expect(auditDetailsJson({ a: 1 })).toBe('{"a":1}');
    expect(auditDetailsJson(undefined)).toBe('{}');
  });

  it('gives the HTTP peer as address:port', () => {
    const peer = (remoteAddress: string | undefined, remotePort?: number) =>
      httpPeer({ socket: { remoteAddress, remotePort } } as never);
    expect(peer('::ffff:127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(peer('::1', 81)).toBe('[::1]:81');
    expect(peer(undefined)).toBe('unknown');
  });

  it('records a refused action with its error and rethrows it', async () => {
    const records: NewAuditRecord[] = [];
    const log = new AuditLog({ appendAudit: async (e) => void records.push(...e) }, () => 0);
    const refused = audited(log, { ...base }, () =>
      Promise.reject(new PermissionDeniedError('no')),
    );
    await expect(refused).rejects.toThrow('no');
    const count = await audited(
      log,
      { ...base, action: 'tasks.cancel_many', details: { tags: ['x'] } },
      () => Promise.resolve(3),
      (n) => ({ details: { count: n } }),
    );
    expect(count).toBe(3);
    expect(records.map((r) => [r.action, r.result, r.details])).toEqual([
      ['tasks.cancel', 'PERMISSION_DENIED: no', '{}'],
      ['tasks.cancel_many', 'ok', '{"tags":["x"],"count":3}'],
    ]);
  });
});
