import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { TRAVERSE_ONLY_DIR_MODE } from './private-modes';

/**
 * The unprivileged user payloads run as (`--task-user`, docs/bot-security.md): who it is, whether
 * the bot can switch to it, and the modes of the bot dir that let it reach its own dirs and
 * nothing else. A payload running as the bot's user could read the bot's token (its file, or
 * /proc/<bot pid>/environ) and write anywhere the bot can; as another user it cannot.
 */

export interface TaskUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export type TaskUserOutcome =
  { readonly ok: true; readonly user: TaskUser } | { readonly ok: false; readonly message: string };

/**
 * The task user named by `name` (a user name, or a uid) in the passwd file. Pure when `files`
 * is given (the texts of /etc/passwd and /etc/group); otherwise reads them, and also refuses the
 * bot's own user (that would separate nothing). A user of uid 0, or whose group is gid 0, is
 * refused: files of the root group are often writable by it. Messages do not name the option
 * (the caller says where the name came from).
 */
export function resolveTaskUser(
  name: string,
  files?: { readonly passwd: string; readonly group?: string },
): TaskUserOutcome {
  let texts = files;
  if (texts === undefined) {
    try {
      texts = { passwd: readFileSync('/etc/passwd', 'utf8'), group: readGroupFile() };
    } catch (err) {
      return { ok: false, message: `cannot read /etc/passwd (${errnoCode(err)})` };
    }
  }
  const byUid = /^\d+$/.test(name);
  const user = parsePasswd(texts.passwd).find((u) =>
    byUid ? u.uid === Number(name) : u.name === name,
  );
  if (user === undefined) {
    return {
      ok: false,
      message: `no user ${byUid ? 'with uid ' : ''}'${name}' in /etc/passwd (the installer creates one: useradd --system drover-task)`,
    };
  }
  if (user.uid === 0) {
    return {
      ok: false,
      message: `'${name}' is root (uid 0); the task user must be an unprivileged user`,
    };
  }
  if (user.gid === 0) {
    const group = groupName(texts.group, 0) ?? 'gid 0';
    return {
      ok: false,
      message: `'${name}' has the group ${group} (gid 0); the task user must be an unprivileged user`,
    };
  }
  if (files === undefined && user.uid === process.geteuid?.()) {
    return {
      ok: false,
      message: `'${name}' is the bot's own user; payloads would read its token`,
    };
  }
  return { ok: true, user };
}

function readGroupFile(): string | undefined {
  try {
    return readFileSync('/etc/group', 'utf8');
  } catch {
    return undefined;
  }
}

/** The entries of a passwd file (`name:x:uid:gid:gecos:home:shell`); malformed lines skipped. */
export function parsePasswd(text: string): TaskUser[] {
  const users: TaskUser[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields.length < 7 || fields[0] === '' || line.trimStart().startsWith('#')) continue;
    const [name = '', , uid = '', gid = '', , home = ''] = fields;
    if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    users.push({ name, uid: Number(uid), gid: Number(gid), home });
  }
  return users;
}

function groupName(groupText: string | undefined, gid: number): string | undefined {
  for (const line of (groupText ?? '').split('\n')) {
    const [name, , id] = line.trim().split(':');
    if (name !== undefined && name !== '' && id === String(gid)) return `'${name}'`;
  }
  return undefined;
}

/**
 * The capabilities (capability(7) bit numbers) a bot that is not root needs to run payloads as
 * another user, and why. Root has them all.
 */
export const TASK_USER_CAPABILITIES = [
  { bit: 7, name: 'CAP_SETUID', why: 'to start the payload as the task user' },
  { bit: 6, name: 'CAP_SETGID', why: "to start it with the task user's group" },
] as const;

/**
 * Whether the bot can start processes as another user: it is root, or its effective
 * capabilities (/proc/self/status CapEff) hold CAP_SETUID and CAP_SETGID. A non-root bot also
 * needs CAP_CHOWN (giveTo), CAP_KILL (to stop the task user's processes) and CAP_DAC_OVERRIDE
 * (to remove what they leave): `missing` names those it lacks, for the bot to warn about.
 */
export function userSwitching(
  status: { readonly euid?: number; readonly procStatus?: string } = {},
):
  | { readonly ok: true; readonly missing?: readonly string[] }
  | { readonly ok: false; readonly why: string } {
  const euid = status.euid ?? process.geteuid?.();
  if (euid === 0) return { ok: true };
  let text = status.procStatus;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch (err) {
      return {
        ok: false,
        why: `the bot runs as uid ${euid ?? '?'} and cannot read its capabilities (/proc/self/status: ${errnoCode(err)})`,
      };
    }
  }
  const caps = capabilitySet(text, 'CapEff');
  const has = (bit: number) => (caps & (1n << BigInt(bit))) !== 0n;
  const lacking = TASK_USER_CAPABILITIES.filter((c) => !has(c.bit));
  if (lacking.length > 0) {
    return {
      ok: false,
      why: `the bot runs as uid ${euid ?? '?'} without ${lacking.map((c) => c.name).join(' and ')}`,
    };
  }
  const missing = EXTRA_CAPABILITIES.filter((c) => !has(c.bit)).map((c) => `${c.name} (${c.why})`);
  return missing.length > 0 ? { ok: true, missing } : { ok: true };
}

/** A capability set (`CapEff`, `CapAmb`…) of a /proc/<pid>/status text; none when it is absent. */
export function capabilitySet(status: string, name: 'CapEff' | 'CapAmb'): bigint {
  const hex = new RegExp(`^${name}:\\s*([0-9a-f]+)\\s*$`, 'im').exec(status)?.[1];
  return hex === undefined ? 0n : BigInt(`0x${hex}`);
}

const EXTRA_CAPABILITIES = [
  { bit: 0, name: 'CAP_CHOWN', why: 'to give the task user its dirs and caches' },
  { bit: 5, name: 'CAP_KILL', why: "to stop the task user's processes" },
  { bit: 1, name: 'CAP_DAC_OVERRIDE', why: 'to remove what the payload leaves' },
] as const;

/** The bot dir's own entries the task user must traverse (never list): its dirs are below. */
export const TASK_USER_DIRS = ['w', 'out', 'tmp'] as const;

/**
 * Makes the bot dir traversable by the task user to reach its work dir, DROVER_OUTDIR and
 * $TMPDIR, and nothing more: `botDir`, `<botDir>/w`, `<botDir>/out` and `<botDir>/tmp` 0711
 * (created if missing); every other entry of `botDir` (caches/, groups/, bot.lock…) loses what
 * it granted the group and others. Throws naming the path when an ancestor of `botDir` does not
 * let the task user through: it could not reach its work dir.
 */
export function prepareBotDirForTaskUser(botDir: string, user: TaskUser): void {
  const real = realpathSync(botDir);
  const closed = firstClosedAncestor(real, user);
  if (closed !== undefined) {
    throw new Error(
      `${closed.dir} (mode ${closed.mode}) does not let the task user ${user.name} through ` +
        `to its work dir in ${real}: give others search permission (chmod o+x ${closed.dir}), or choose another --dir`,
    );
  }
  chmodSync(real, TRAVERSE_ONLY_DIR_MODE);
  for (const name of TASK_USER_DIRS) {
    const dir = path.join(real, name);
    mkdirSync(dir, { recursive: true, mode: TRAVERSE_ONLY_DIR_MODE });
    if (!lstatSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    chmodSync(dir, TRAVERSE_ONLY_DIR_MODE);
  }
  for (const entry of readdirSync(real, { withFileTypes: true })) {
    if ((TASK_USER_DIRS as readonly string[]).includes(entry.name) || entry.isSymbolicLink())
      continue;
    const p = path.join(real, entry.name);
    const mode = lstatSync(p).mode & 0o7777;
    if ((mode & 0o077) !== 0) chmodSync(p, mode & ~0o077);
  }
}

/** The permission bits of `st` that apply to `user` (owner, group, or others), as rwx 0-7. */
function bitsFor(st: { uid: number; gid: number; mode: number }, user: TaskUser): number {
  if (st.uid === user.uid) return (st.mode >> 6) & 7;
  if (st.gid === user.gid) return (st.mode >> 3) & 7;
  return st.mode & 7;
}

/** The nearest dir above real path `p` that `user` may not search (x), if any. */
function firstClosedAncestor(
  p: string,
  user: TaskUser,
): { readonly dir: string; readonly mode: string } | undefined {
  let closed: { dir: string; mode: string } | undefined;
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    const st = statSync(dir);
    if ((bitsFor(st, user) & 1) === 0) closed = { dir, mode: `0${(st.mode & 0o777).toString(8)}` };
    if (dir === path.dirname(dir)) return closed;
  }
}

/**
 * How the task user could read `file` (the bot's token file), or undefined when it cannot: every
 * dir above it searchable and the file readable by it, by the mode bits (libuv drops the
 * supplementary groups when it switches users; ACLs are not looked at). For the bot to refuse
 * to start with a token its payloads could read.
 */
export function readableBy(file: string, user: TaskUser): string | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return undefined;
  }
  if (firstClosedAncestor(real, user) !== undefined) return undefined;
  const st = statSync(real);
  if ((bitsFor(st, user) & 4) === 0) return undefined;
  return `${real} (mode 0${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}) is readable by the task user ${user.name}: chmod 600 it, or keep it in a dir only the bot can enter`;
}

/**
 * Gives `p` (not what is below it, and never what a symlink there points to) to the task user;
 * nothing when there is none.
 */
export function giveTo(p: string, user: TaskUser | undefined): void {
  if (user !== undefined) lchownSync(p, user.uid, user.gid);
}

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
