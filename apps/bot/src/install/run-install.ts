import path from 'node:path';
import { mkdir, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EXIT_CODES } from '../exit-codes';
import { parseInstallOptions, type InstallHost } from './install-options';
import { renderInstall } from './render-install';
import { describeInstall, refuseExisting, writeInstallFiles, writeProblem } from '@drover/install';
import type { PackOutcome } from '../update/own-code';
import { installBotCode } from './install-code';
import { isSingleExecutable } from '@drover/protocol';

/** What install needs besides its options: where node is, and the bot code to put in place. */
export interface RunInstallHost extends InstallHost {
  /** The pack to install: --bot-code's, this bot's own, or one built from the checkout. */
  readonly packForInstall: (botCode: string | undefined) => Promise<PackOutcome>;
}

/**
 * `drover-bot install`: checks the options, installs the bot code in the bot's dir (the launcher
 * layout, install-code.ts), renders the config and the unit, writes them (not with --dry-run),
 * and prints what it did, each file with its content, then the commands to run next.
 * Exit 0 when done; 2 for a bad or missing flag, a file that exists (without --force), or a
 * file that cannot be written — each message naming it.
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
  out.stdout.write(codeLine + describeInstall(rendered, o.dryRun) + check);
  return EXIT_CODES.ok;
}
