// What `drover token create --expires` accepts, and the state `drover token list` shows.
import { describe, expect, it } from 'vitest';
import { parseExpires, tokenState } from '../src/access';

describe('--expires', () => {
  it.each([
    ['30d', 30 * 86_400],
    ['12h', 12 * 3600],
    ['1w', 7 * 86_400],
    ['1h30m', 5400],
    ['90s', 90],
    ['never', 0],
  ])('reads %s as %i seconds', (text, secs) => {
    expect(parseExpires(text)).toEqual({ ok: true, value: secs });
  });

  it.each(['soon', '0d', '30', '-1d', '1.5h', ''])('refuses %j', (text) => {
    expect(parseExpires(text).ok).toBe(false);
  });
});

describe('a listed token state', () => {
  const base = {
    id: 'tok-0123456789abcdef',
    kind: 'principal',
    subject: 'carol',
    description: '',
    scope: {},
    created: null,
    created_by: 'admin',
    expires: null,
    revoked: null,
    revoked_by: '',
    last_used: null,
    read_only: false,
  };
  it('says read-only, revoked, expired or active', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(tokenState({ ...base, read_only: true }, now)).toBe('read-only');
    expect(tokenState({ ...base, revoked: { seconds: 1, nanos: 0 } }, now)).toBe('revoked');
    expect(tokenState({ ...base, expires: { seconds: now / 1000, nanos: 0 } }, now)).toBe(
      'expired',
    );
    expect(tokenState({ ...base, expires: { seconds: now / 1000 + 60, nanos: 0 } }, now)).toBe(
      'active',
    );
  });
});
