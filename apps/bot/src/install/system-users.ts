import { execFile } from 'node:child_process';

/** A user in the system's user database (as `id` sees it: /etc/passwd, LDAP, …). */
export type UserLookup =
  | { readonly kind: 'found'; readonly uid: number; readonly gid: number }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly reason: string };

export type UserCreation =
  { readonly kind: 'created' } | { readonly kind: 'failed'; readonly reason: string };

/** What install asks of the user database. Injected, so a test need not change the real one. */
export interface SystemUsers {
  readonly lookup: (name: string) => Promise<UserLookup>;
  readonly create: (name: string) => Promise<UserCreation>;
}

/**
 * useradd's arguments for a payload user: a system account with no home and no login shell. It
 * owns nothing but what the bot hands it (a task's dirs); /nonexistent is Debian's convention for
 * "no home", so a payload never finds dot files of its own.
 */
export function useraddArgs(name: string): string[] {
  return [
    '--system',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ];
}

interface Ran {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** `command args`, found on `env`'s PATH: its exit code (or the spawn error's code) and output. */
function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv | undefined,
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err === null) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: number | string };
      resolve({ code: e.code ?? 'failed', stdout, stderr: stderr || e.message });
    });
  });
}

/**
 * The commands every Linux has (`id`, `useradd`), found on `env`'s PATH (a test's, with a fake
 * useradd first). @default env: this process's
 */
export function systemUsers(env?: NodeJS.ProcessEnv): SystemUsers {
  const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';
  return {
    lookup: async (name) => {
      const uid = await runCommand('id', ['-u', name], env);
      if (uid.code === 'ENOENT') return { kind: 'failed', reason: 'id is missing' };
      // id exits 1 for a user it does not know.
      if (uid.code === 1) return { kind: 'absent' };
      const gid = await runCommand('id', ['-g', name], env);
      const u = uid.stdout.trim();
      const g = gid.stdout.trim();
      if (uid.code !== 0 || gid.code !== 0 || !/^\d+$/.test(u) || !/^\d+$/.test(g)) {
        return { kind: 'failed', reason: `id ${name}: ${firstLine(uid.stderr || gid.stderr)}` };
      }
      return { kind: 'found', uid: Number(u), gid: Number(g) };
    },
    create: async (name) => {
      const ran = await runCommand('useradd', useraddArgs(name), env);
      if (ran.code === 0) return { kind: 'created' };
      if (ran.code === 'ENOENT') return { kind: 'failed', reason: 'useradd is missing' };
      return {
        kind: 'failed',
        reason: `useradd exited ${String(ran.code)}: ${firstLine(ran.stderr)}`,
      };
    },
  };
}
