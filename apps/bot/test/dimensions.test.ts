import { describe, expect, it } from 'vitest';
import { dimensionsFromFacts, type SystemFacts } from '../src/index';

const GIB = 1024 ** 3;

function facts(over: {
  os?: Partial<SystemFacts['os']>;
  cpu?: Partial<SystemFacts['cpu']>;
  mem?: Partial<SystemFacts['mem']>;
  gpus?: SystemFacts['gpus'];
}): SystemFacts {
  return {
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64', ...over.os },
    cpu: { cores: 8, physicalCores: 4, ...over.cpu },
    mem: { total: 16 * GIB, ...over.mem },
    gpus: over.gpus ?? [],
  };
}

const settings = { botId: 'bot-a', pool: 'default', extras: {} };

describe('dimensionsFromFacts', () => {
  it('maps a Debian 12 x64 machine without a GPU', () => {
    expect(dimensionsFromFacts(facts({}), settings)).toEqual({
      cores: ['8'],
      cpu: ['x86', 'x86-64'],
      gpu: ['none'],
      id: ['bot-a'],
      os: ['Linux', 'Linux-Debian', 'Linux-Debian-12'],
      pool: ['default'],
      ram_gib: ['16'],
    });
  });

  it.each<[string, Partial<SystemFacts['os']>, string[]]>([
    [
      'Ubuntu 22.04',
      { distro: 'Ubuntu', release: '22.04.3 LTS' },
      ['Linux', 'Linux-Ubuntu', 'Linux-Ubuntu-22', 'Linux-Ubuntu-22.04'],
    ],
    [
      'Fedora',
      { distro: 'Fedora Linux', release: '40' },
      ['Linux', 'Linux-Fedora', 'Linux-Fedora-40'],
    ],
    [
      'RHEL',
      { distro: 'Red Hat Enterprise Linux', release: '9.3' },
      ['Linux', 'Linux-RedHatEnterprise', 'Linux-RedHatEnterprise-9', 'Linux-RedHatEnterprise-9.3'],
    ],
    ['Linux without a distro', { distro: '', release: '' }, ['Linux']],
    [
      'Linux without a release',
      { distro: 'Arch Linux', release: 'rolling' },
      ['Linux', 'Linux-Arch'],
    ],
    [
      'macOS',
      { platform: 'darwin', distro: 'macOS', release: '14.2.1' },
      ['Mac', 'Mac-14', 'Mac-14.2'],
    ],
    [
      'Windows',
      { platform: 'Windows', distro: 'Microsoft Windows 11 Pro', release: '10.0.22631' },
      ['Windows', 'Windows-10', 'Windows-10.0'],
    ],
    ['another platform', { platform: 'freebsd', distro: 'FreeBSD', release: '14.0' }, ['freebsd']],
  ])('names the OS of %s', (_name, os, expected) => {
    expect(dimensionsFromFacts(facts({ os }), settings).os).toEqual(expected);
  });

  it.each([
    ['x64', ['x86', 'x86-64']],
    ['ia32', ['x86', 'x86-32']],
    ['arm64', ['arm64']],
    ['arm', ['arm', 'arm-32']],
    ['riscv64', ['riscv64']],
  ])('names the CPU architecture %s', (arch, expected) => {
    expect(dimensionsFromFacts(facts({ os: { arch } }), settings).cpu).toEqual(expected);
  });

  it.each<[string, SystemFacts['gpus'], string[]]>([
    ['no GPU', [], ['none']],
    ['an NVIDIA card by name', [{ vendor: 'NVIDIA Corporation' }], ['10de']],
    [
      'a card with vendor and device ids',
      [{ vendor: 'AMD', vendorId: '0x1002', deviceId: '0x73bf' }],
      ['1002', '1002:73bf'],
    ],
    [
      'Intel and NVIDIA',
      [{ vendor: 'Intel Corporation' }, { vendor: 'NVIDIA Corporation' }],
      ['8086', '10de'],
    ],
    ['two identical cards', [{ vendor: 'NVIDIA' }, { vendor: 'NVIDIA' }], ['10de']],
    ['an unknown vendor', [{ vendor: 'Acme Graphics' }], ['acme']],
    ['a vendor without a name', [{ vendor: '' }], ['unknown']],
  ])('names the GPUs: %s', (_name, gpus, expected) => {
    expect(dimensionsFromFacts(facts({ gpus }), settings).gpu).toEqual(expected);
  });

  it('counts logical cores, falling back to physical ones, and rounds RAM to GiB', () => {
    const d = dimensionsFromFacts(
      facts({ cpu: { cores: 0, physicalCores: 6 }, mem: { total: 15.6 * GIB } }),
      settings,
    );
    expect(d.cores).toEqual(['6']);
    expect(d.ram_gib).toEqual(['16']);
  });

  it('lets extras add keys and replace probed ones, but never the id', () => {
    const d = dimensionsFromFacts(facts({}), {
      botId: 'bot-a',
      pool: 'ci',
      extras: { gpu: ['10de'], zone: ['eu-1', 'eu'], id: ['evil'] },
    });
    expect(d.gpu).toEqual(['10de']);
    expect(d.zone).toEqual(['eu-1', 'eu']);
    expect(d.id).toEqual(['bot-a']);
    expect(d.pool).toEqual(['ci']);
  });

  it('returns frozen dimensions with sorted keys', () => {
    const d = dimensionsFromFacts(facts({}), { ...settings, extras: { a: ['1'] } });
    expect(Object.keys(d)).toEqual([...Object.keys(d)].sort());
    expect(Object.isFrozen(d)).toBe(true);
    expect(Object.isFrozen(d.os)).toBe(true);
  });
});
