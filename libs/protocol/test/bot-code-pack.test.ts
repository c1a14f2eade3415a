import { describe, expect, it } from 'vitest';
import {
  BOT_CODE_MAGIC,
  botCodeVersion,
  packBotCode,
  sha256Hex,
  unpackBotCode,
} from '../src/index';

const files = [
  { path: 'proto/drover/v1/a.proto', mode: 0o600, data: Buffer.from('syntax = "proto3";\n') },
  { path: 'drover-bot.js', mode: 0o755, data: Buffer.from('console.log(1);\n') },
];

describe('bot code pack', () => {
  it('packs the same files into the same bytes whatever their order, and unpacks them', () => {
    const a = packBotCode({ packageVersion: '0.1.0', files });
    const b = packBotCode({ packageVersion: '0.1.0', files: [...files].reverse() });
    expect(a.equals(b)).toBe(true);
    const unpacked = unpackBotCode(a);
    if (!unpacked.ok) throw new Error(unpacked.reason);
    expect(unpacked.packageVersion).toBe('0.1.0');
    expect(unpacked.files.map((f) => [f.path, f.mode, f.data.toString()])).toEqual([
      ['drover-bot.js', 0o755, 'console.log(1);\n'],
      ['proto/drover/v1/a.proto', 0o644, 'syntax = "proto3";\n'],
    ]);
  });

  it('names the version by the package version and the first 12 hex digits of the SHA-256', () => {
    const pack = packBotCode({ packageVersion: '1.2.3', files });
    expect(botCodeVersion('1.2.3', sha256Hex(pack))).toBe(`1.2.3+${sha256Hex(pack).slice(0, 12)}`);
  });

  it.each<[string, Buffer]>([
    ['something else', Buffer.from('PK\u0003\u0004 not a pack')],
    ['a truncated pack', packBotCode({ packageVersion: '0.1.0', files }).subarray(0, -3)],
    [
      'trailing bytes',
      Buffer.concat([packBotCode({ packageVersion: '0.1.0', files }), Buffer.from('x')]),
    ],
    [
      'a path leaving the directory',
      Buffer.from(
        `${BOT_CODE_MAGIC}{"packageVersion":"0.1.0","files":[{"path":"../x","mode":420,"size":0}]}\n`,
      ),
    ],
    [
      'an absolute path',
      Buffer.from(
        `${BOT_CODE_MAGIC}{"packageVersion":"0.1.0","files":[{"path":"/etc/x","mode":420,"size":0}]}\n`,
      ),
    ],
  ])('refuses %s', (_what, pack) => {
    expect(unpackBotCode(pack).ok).toBe(false);
  });

  it('refuses to pack a path that is not plainly relative', () => {
    expect(() =>
      packBotCode({
        packageVersion: '0.1.0',
        files: [{ path: 'a/../b', mode: 0o644, data: Buffer.alloc(0) }],
      }),
    ).toThrow(/bad path/);
  });
});
