import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * Where this bot may make a cgroup v2 per task: pure functions of what /proc says, so every host
 * shape is testable without one. Three shapes:
 *
 * - A systemd service (`INVOCATION_ID` set for this process or its launcher, in a `.service`
 *   cgroup: not a shell started from a terminal that runs as a service) whose own cgroup it may
 *   write: the unit has
 *   `Delegate=yes` (drover-bot install writes it), so the subtree is the bot's. Tasks go under
 *   `<unit>/tasks`; the bot and its launcher move to `<unit>/bot`, because a cgroup that hands
 *   controllers to its children may not hold processes itself.
 * - Run by hand as root: a subtree of its own under the cgroup2 mount,
 *   `<mount>/drover/<bot id>-<hash of the bot dir>` (the bot dir's lock makes the name this bot's
 *   alone); the bot stays where it was started.
 * - Anything else (not root and not delegated, no cgroup2 mounted, a kernel without cgroup.kill):
 *   no cgroups, and the reason, said once at start.
 *
 * The mount is found in /proc/self/mountinfo, never assumed: pure v2 hosts mount it at
 * /sys/fs/cgroup, hybrid ones at /sys/fs/cgroup/unified.
 */

/** A cgroup2 mount: where it is, and which cgroup path its root shows. */
export interface Cgroup2Mount {
  readonly mountPoint: string;
  /** The cgroup the mount's root is (`/` unless a container mounted a subtree). */
  readonly root: string;
}

/** The cgroup2 mounts in /proc/self/mountinfo, in order. */
export function cgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  const mounts: Cgroup2Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    // "36 25 0:31 / /sys/fs/cgroup rw,… shared:9 - cgroup2 cgroup2 rw,…": the optional fields end
    // at " - ", then the file system type.
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const [fsType] = line.slice(dash + 3).split(' ');
    if (fsType !== 'cgroup2') continue;
    const fields = line.slice(0, dash).split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    mounts.push({ root: unescapeMountPath(root), mountPoint: unescapeMountPath(mountPoint) });
  }
  return mounts;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (`\040`). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** This process's cgroup v2 path from /proc/self/cgroup (`0::/path`); undefined if none. */
export function ownCgroupPath(procSelfCgroup: string): string | undefined {
  for (const line of procSelfCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim() || '/';
  }
  return undefined;
}

/** The directory of cgroup `cgroupPath` under `mount`, or undefined if the mount does not show it. */
export function cgroupDir(mount: Cgroup2Mount, cgroupPath: string): string | undefined {
  const rel = path.posix.relative(mount.root, cgroupPath);
  if (rel.startsWith('..') || path.posix.isAbsolute(rel)) return undefined;
  return rel === '' ? mount.mountPoint : path.join(mount.mountPoint, rel);
}

export interface DiscoveryFacts {
  readonly mountinfo: string;
  readonly procSelfCgroup: string;
  readonly euid: number;
  /** The bot's environment: systemd sets INVOCATION_ID for a service. */
  readonly invocationId: string | undefined;
  readonly botId: string;
  readonly botDir: string;
  /** Whether this process may write the file (access(2) W_OK). */
  readonly writable: (file: string) => boolean;
  readonly exists: (file: string) => boolean;
}

export type CgroupPlan =
  | {
      readonly kind: 'delegated';
      /** The unit's cgroup dir: tasks go under `<base>/tasks`, the bot moves to `<base>/bot`. */
      readonly base: string;
      readonly mount: string;
    }
  | {
      readonly kind: 'own-subtree';
      /** `<mount>/drover/<name>`, made by the bot; tasks go under `<base>/tasks`. */
      readonly base: string;
      /** The cgroup the bot stays in (its own, where it was started). */
      readonly home: string;
      readonly mount: string;
    }
  | { readonly kind: 'unavailable'; readonly why: string };

/** Decides where task cgroups go (see the top of the file). */
export function planCgroups(f: DiscoveryFacts): CgroupPlan {
  const own = ownCgroupPath(f.procSelfCgroup);
  if (own === undefined) return { kind: 'unavailable', why: 'this process is in no cgroup v2' };
  const mounts = cgroup2Mounts(f.mountinfo);
  if (mounts.length === 0) return { kind: 'unavailable', why: 'no cgroup2 file system is mounted' };
  // The mount that shows this process's own cgroup (a container may mount only a subtree).
  const found = mounts
    .map((mount) => ({ mount, dir: cgroupDir(mount, own) }))
    .find((m) => m.dir !== undefined && f.exists(path.join(m.dir, 'cgroup.procs')));
  if (found === undefined || found.dir === undefined)
    return {
      kind: 'unavailable',
      why: `the cgroup2 mount${mounts.length > 1 ? 's' : ''} (${mounts.map((m) => m.mountPoint).join(', ')}) do not show this process's cgroup ${own}`,
    };
  const { mount, dir } = found;
  // (The root cgroup has no cgroup.kill of its own; setup checks the cgroups it makes.)
  if (own !== '/' && !f.exists(path.join(dir, 'cgroup.kill')))
    return {
      kind: 'unavailable',
      why: 'the kernel has no cgroup.kill (Linux 5.14 or later has)',
    };
  if (
    f.invocationId !== undefined &&
    own.endsWith('.service') &&
    f.writable(path.join(dir, 'cgroup.procs')) &&
    f.writable(dir)
  )
    return { kind: 'delegated', base: dir, mount: mount.mountPoint };
  if (f.euid === 0 && f.writable(mount.mountPoint))
    return {
      kind: 'own-subtree',
      base: path.join(mount.mountPoint, 'drover', ownSubtreeName(f.botId, f.botDir)),
      home: dir,
      mount: mount.mountPoint,
    };
  return {
    kind: 'unavailable',
    why:
      f.invocationId !== undefined
        ? `the systemd unit's cgroup ${own} is not writable by this user (the unit needs Delegate=yes)`
        : `not root, and not a systemd service with Delegate=yes (cgroup ${own} is not this user's)`,
  };
}

/**
 * `<bot id>-<8 hex of the bot dir>`: readable in `systemd-cgls`, and two bots with one id on two
 * dirs (tests do that) get two subtrees. A bot id is [A-Za-z0-9_.:-]; `:` is kept out of paths.
 */
export function ownSubtreeName(botId: string, botDir: string): string {
  const hash = createHash('sha256').update(path.resolve(botDir)).digest('hex').slice(0, 8);
  return `${botId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-${hash}`;
}
