import { describe, expect, it } from 'vitest';
import {
  cgroup2Mounts,
  ownCgroupPath,
  ownSubtreeName,
  planCgroups,
  type DiscoveryFacts,
} from '../src/containment/cgroup-discovery';
import { serviceInvocation } from '../src/containment/task-cgroups';

/**
 * Where the bot makes its task cgroups, for each host shape: a pure v2 systemd host, a hybrid
 * one (v1 controllers, cgroup2 at /sys/fs/cgroup/unified), a container, and hosts with none.
 */

const PURE_V2 = `
22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
25 28 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const HYBRID = `
31 25 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
42 31 0:39 / /sys/fs/cgroup/memory rw,relatime shared:11 - cgroup cgroup rw,memory
`;

function facts(over: Partial<DiscoveryFacts> = {}): DiscoveryFacts {
  return {
    mountinfo: PURE_V2,
    procSelfCgroup: '0::/system.slice/drover-bot.service\n',
    euid: 1000,
    invocationId: 'abc',
    botId: 'bot-1',
    botDir: '/var/lib/drover-bot',
    writable: () => true,
    exists: () => true,
    ...over,
  };
}

describe('cgroup discovery', () => {
  it('finds the cgroup2 mounts in mountinfo, wherever they are, unescaping paths', () => {
    expect(cgroup2Mounts(PURE_V2)).toEqual([{ root: '/', mountPoint: '/sys/fs/cgroup' }]);
    expect(cgroup2Mounts(HYBRID)).toEqual([{ root: '/', mountPoint: '/sys/fs/cgroup/unified' }]);
    expect(cgroup2Mounts('50 1 0:40 /sub /mnt/my\\040cg rw shared:1 - cgroup2 none rw\n')).toEqual([
      { root: '/sub', mountPoint: '/mnt/my cg' },
    ]);
    expect(cgroup2Mounts('')).toEqual([]);
  });

  it("reads this process's v2 cgroup, not the v1 lines of a hybrid host", () => {
    expect(ownCgroupPath('4:memory:/x\n0::/user.slice/s.scope\n')).toBe('/user.slice/s.scope');
    expect(ownCgroupPath('0::/\n')).toBe('/');
    expect(ownCgroupPath('4:memory:/x\n')).toBeUndefined();
  });

  it('uses the unit’s own cgroup under systemd when it may write it (Delegate=yes)', () => {
    expect(planCgroups(facts())).toEqual({
      kind: 'delegated',
      base: '/sys/fs/cgroup/system.slice/drover-bot.service',
      mount: '/sys/fs/cgroup',
    });
  });

  it('refuses a systemd unit it may not write, saying Delegate=yes is missing', () => {
    const plan = planCgroups(facts({ writable: () => false }));
    expect(plan).toMatchObject({ kind: 'unavailable' });
    expect(plan.kind === 'unavailable' && plan.why).toMatch(/Delegate=yes/);
  });

  it('makes a subtree of its own under the mount when run by hand as root (hybrid host too)', () => {
    const plan = planCgroups(
      facts({
        mountinfo: HYBRID,
        procSelfCgroup: '4:memory:/a\n0::/\n',
        euid: 0,
        invocationId: undefined,
      }),
    );
    expect(plan).toEqual({
      kind: 'own-subtree',
      base: `/sys/fs/cgroup/unified/drover/${ownSubtreeName('bot-1', '/var/lib/drover-bot')}`,
      home: '/sys/fs/cgroup/unified',
      mount: '/sys/fs/cgroup/unified',
    });
  });

  it('has none for a user who is neither root nor delegated, and says why', () => {
    const plan = planCgroups(facts({ invocationId: undefined, euid: 1000 }));
    expect(plan.kind).toBe('unavailable');
    expect(plan.kind === 'unavailable' && plan.why).toMatch(/not root/);
  });

  it('has none without a cgroup2 mount, or without cgroup.kill', () => {
    const none = planCgroups(facts({ mountinfo: '22 28 0:21 / /proc rw - proc proc rw\n' }));
    expect(none.kind === 'unavailable' && none.why).toMatch(/no cgroup2/);
    const old = planCgroups(facts({ exists: (f) => !f.endsWith('cgroup.kill') }));
    expect(old.kind === 'unavailable' && old.why).toMatch(/cgroup\.kill/);
  });

  it('has none when the mount does not show its cgroup (a container with a subtree mounted)', () => {
    const plan = planCgroups(
      facts({ mountinfo: '50 1 0:40 /other /sys/fs/cgroup rw - cgroup2 none rw\n' }),
    );
    expect(plan.kind).toBe('unavailable');
  });

  it('is not fooled by a shell under a service (a terminal) or a unit that is not a service', () => {
    expect(
      planCgroups(facts({ procSelfCgroup: '0::/user.slice/session-2.scope\n' })).kind,
    ).not.toBe('delegated');
    expect(serviceInvocation({ INVOCATION_ID: 'x', SYSTEMD_EXEC_PID: '10' }, 10, 1)).toBe('x');
    expect(serviceInvocation({ INVOCATION_ID: 'x', SYSTEMD_EXEC_PID: '10' }, 11, 10)).toBe('x');
    expect(
      serviceInvocation({ INVOCATION_ID: 'x', SYSTEMD_EXEC_PID: '10' }, 12, 11),
    ).toBeUndefined();
    expect(serviceInvocation({ INVOCATION_ID: 'x' }, 12, 11)).toBe('x');
    expect(serviceInvocation({}, 12, 11)).toBeUndefined();
  });

  it('names its own subtree by bot id and bot dir, safe as a path', () => {
    expect(ownSubtreeName('a:b/c', '/x')).toMatch(/^a_b_c-[0-9a-f]{8}$/);
    expect(ownSubtreeName('bot', '/x')).not.toBe(ownSubtreeName('bot', '/y'));
  });
});
