import path from 'node:path';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EXIT_CODES } from '../exit-codes';
import { parseInstallOptions, type InstallHost, type InstallOptions } from './install-options';
import { renderInstall } from './render-install';
import { describeInstall, refuseExisting, writeInstallFiles, writeProblem } from '@drover/install';
import type { PackOutcome } from '../update/own-code';
import { installBotCode } from './install-code';
import { isSingleExecutable } from '@drover/protocol';
import { shellWord } from '@drover/install';
import { systemUsers, useraddArgs, type SystemUsers } from './system-users';

/** What install needs besides its options: where node is, and the bot code to put in place. */
export interface RunInstallHost extends InstallHost {
  /** The pack to install: --bot-code's, this bot's own, or one built from the checkout. */
  readonly packForInstall: (botCode: string | undefined) => Promise<PackOutcome>;
  /** The user database (`id`, `useradd`). @default systemUsers() */
  readonly users?: SystemUsers;
  /** The installer's effective uid: only root creates users and hands files to another. @default process.geteuid() */
  readonly euid?: number;
}

/**
 * `drover-bot install`: checks the options, installs the bot code in the bot's dir (the launcher
 * layout, install-code.ts), renders the config and the unit, writes them (not with --dry-run),
 * and prints what it did, each file with its content, then the commands to run next. Before
 * the bot code and the files, it creates the task user when missing (system-users.ts), then
 * makes the token file 0600 and the bot user's; a failure there stops it before any file.
 * Exit 0 when done; 2 for a bad or missing flag, a file that exists (without --force), a user
 * that cannot be found or created, or a file that cannot be written — each message naming it.
 */
export async function runInstall(
  argv: readonly string[],
  host: RunInstallHost,
  out: { readonly stdout: Writable; readonly stderr: Writable },
): Promise<number> {
  const fail = (message: string): number => {
    out.stderr.write(`drover-bot install: ${message}\n`);
    return EXIT_CODES.usage;
  };
  const parsed = parseInstallOptions(argv, {
    ...host,
    executable: host.executable ?? (isSingleExecutable() ? process.execPath : undefined),
  });
  if (parsed.kind === 'help') {
    out.stdout.write(parsed.text);
    return EXIT_CODES.ok;
  }
  if (parsed.kind === 'usage-error') {
    return fail(`${parsed.message}\n(drover-bot install --help lists the options)`);
  }
  const o = parsed.options;
  try {
    if (!(await stat(o.tokenFile)).isFile())
      return fail(`--token-file: ${o.tokenFile} is not a file`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return fail(
      `--token-file: cannot find ${o.tokenFile} (${code}); copy the bot token there first`,
    );
  }
  const rendered = renderInstall(o);
  let codeLine =
    o.executable !== undefined
      ? `==> the unit runs this executable: ${o.executable}\n`
      : `==> would install the bot code (${o.botCode ?? "built from this checkout, or this bot's own"}) ` +
        `in ${path.join(o.workDir, 'versions')}/<version>, point ${path.join(o.workDir, 'current')} ` +
        `at it and write ${o.launcher}\n`;
  // Before the bot code goes in: nothing is installed when a file is refused.
  const refused = await refuseExisting(rendered.files, o.force);
  if (refused !== undefined) return fail(refused);
  const users = await prepareUsers(
    o,
    host.users ?? systemUsers(),
    host.euid ?? process.geteuid?.(),
  );
  if (users.kind === 'failed') return fail(users.reason);
  if (!o.dryRun) {
    if (o.executable !== undefined) {
      try {
        await mkdir(o.workDir, { recursive: true, mode: 0o700 });
      } catch (err) {
        return fail(
          `cannot create ${o.workDir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        );
      }
    } else {
      const pack = await host.packForInstall(o.botCode);
      if (!pack.ok) return fail(pack.reason);
      const code = await installBotCode(o.workDir, pack.pack);
      if (code.kind === 'failed')
        return fail(`cannot install the bot code in ${o.workDir} (${code.reason})`);
      codeLine =
        `==> installed bot code ${code.version} (${pack.source}) in ` +
        `${path.join(o.workDir, 'versions', code.version)}, ${path.join(o.workDir, 'current')} ` +
        `points at it; launcher ${code.launcher}\n`;
    }
    const problem = writeProblem(await writeInstallFiles(rendered.files, o.force));
    if (problem !== undefined) return fail(problem);
  }
  const check = o.dryRun ? '' : 'Then check it with: drover bots\n';
  const described = describeInstall(
    { files: rendered.files, commands: [...users.commands, ...rendered.commands] },
    o.dryRun,
  );
  out.stdout.write(users.lines.join('') + codeLine + described + check);
  return EXIT_CODES.ok;
}

type UsersOutcome =
  | {
      readonly kind: 'prepared';
      /** What was done (or would be), for the output. */
      readonly lines: readonly string[];
      /** What is left for root to run. */
      readonly commands: readonly string[];
    }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * The users' part of install: the task user created when missing, then the token file made
 * 0600 and the bot user's (the task user must not read it; the bot reads it once, never taking
 * the token into its environment or command line). Everything is looked up before useradd runs,
 * and useradd before the token is touched, so that a failure changes nothing. With --dry-run it
 * only looks and says.
 */
async function prepareUsers(
  o: InstallOptions,
  users: SystemUsers,
  euid: number | undefined,
): Promise<UsersOutcome> {
  const failed = (reason: string): UsersOutcome => ({ kind: 'failed', reason });
  const lines: string[] = [];
  const commands: string[] = [];
  const botUser = o.user ?? 'root';
  const token = o.tokenFile;

  let bot: { readonly uid: number; readonly gid: number } | undefined;
  if (!o.dryRun) {
    const found = await users.lookup(botUser);
    if (found.kind === 'failed') return failed(`--user: ${found.reason}`);
    if (found.kind === 'absent') {
      return failed(
        `--user: no user ${botUser} on this machine; create it first (useradd --system ${botUser})`,
      );
    }
    bot = found;
  }

  if (o.taskUser !== undefined) {
    const name = o.taskUser;
    const useradd = `useradd ${useraddArgs(name).join(' ')}`;
    const give = `create it yourself (${useradd}), or give --no-task-user`;
    const found = await users.lookup(name);
    if (found.kind === 'failed') return failed(`--task-user: ${found.reason}`);
    if (found.kind === 'absent' && o.dryRun) {
      lines.push(`==> would create the system user ${name}: ${useradd}\n`);
    } else if (found.kind === 'absent' && euid !== 0) {
      return failed(
        `--task-user: no user ${name} on this machine, and only root can create it: run install as root, ${give}`,
      );
    } else if (found.kind === 'absent') {
      const created = await users.create(name);
      if (created.kind === 'failed') {
        return failed(
          `--task-user: cannot create the user ${name} (${created.reason}); nothing was written: ${give}`,
        );
      }
      lines.push(`==> created the system user ${name}: ${useradd}\n`);
    }
    const why = o.taskUserDefaulted
      ? ' (the default for a bot running as root; --no-task-user runs them as root)'
      : '';
    lines.push(`==> the bot runs payloads as ${name}${why}\n`);
  }

  if (bot === undefined) {
    lines.push(`==> would make ${token} mode 0600, owned by ${botUser}\n`);
    return { kind: 'prepared', lines, commands };
  }
  // Only root may hand a file to another user; anyone else leaves that to a command (a bot
  // running as root reads the file whoever owns it).
  const handOver = euid === 0;
  try {
    await chmod(token, 0o600);
    if (handOver) await chown(token, bot.uid, bot.gid);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return failed(
      `--token-file: cannot make ${token} mode 0600, owned by ${botUser} (${code}); run install as root`,
    );
  }
  if (!handOver && botUser !== 'root' && euid !== bot.uid) {
    commands.push(`chown ${botUser} ${shellWord(token)}`);
  }
  lines.push(`==> made ${token} mode 0600${handOver ? `, owned by ${botUser}` : ''}\n`);
  return { kind: 'prepared', lines, commands };
}
