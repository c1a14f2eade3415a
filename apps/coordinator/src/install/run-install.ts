import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeInstall, refuseExisting, writeInstallFiles, writeProblem } from '@drover/install';
import { checkRenderedConfig } from './check-config';
import { readExampleConfig } from './example-config';
import {
  parseCoordinatorInstallOptions,
  type CoordinatorInstallHost,
  type CoordinatorInstallOptions,
} from './install-options';
import { renderCoordinatorInstall } from './render-install';

export interface InstallOutput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const EXIT_OK = 0;
const EXIT_USAGE = 2;

/**
 * `drover-coordinator install`: checks the options, renders the config file (from
 * drover.example.yaml) and the unit, checks the config with the coordinator's own compiler,
 * writes both (not with --dry-run; refusing files that exist without --force) and prints them,
 * each with its path and mode, then the commands to run next. Exit 0 when done; 2 for a bad flag
 * or value, a file that exists or cannot be written — each message naming it.
 */
export async function runCoordinatorInstall(
  argv: readonly string[],
  out: InstallOutput,
): Promise<number> {
  const self = selfCommand(process.execPath, process.argv[1]);
  return runCoordinatorInstallWith(argv, { cwd: process.cwd(), selfCommand: self }, out);
}

/** runCoordinatorInstall with the process's facts given (tests). */
export async function runCoordinatorInstallWith(
  argv: readonly string[],
  host: CoordinatorInstallHost,
  out: InstallOutput,
): Promise<number> {
  const fail = (message: string): number => {
    out.stderr.write(`drover-coordinator install: ${message}\n`);
    return EXIT_USAGE;
  };
  const parsed = parseCoordinatorInstallOptions(argv, host);
  if (parsed.kind === 'help') {
    out.stdout.write(parsed.text);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    return fail(`${parsed.message}\n(drover-coordinator install --help lists the options)`);
  }
  const o = parsed.options;
  const example = await readExampleConfig();
  if (example.kind === 'missing') {
    return fail(`cannot find drover.example.yaml; looked at ${example.looked.join(', ')}`);
  }
  const rendered = renderCoordinatorInstall(o, example.text);
  const config = rendered.files[0]!;
  const checked = checkRenderedConfig(config.content, config.path);
  if (checked.kind === 'invalid') return fail(checked.message);
  const missing = await missingInput(o);
  if (missing !== undefined) return fail(missing);

  const problem = o.dryRun
    ? await refuseExisting(rendered.files, o.force)
    : writeProblem(await writeInstallFiles(rendered.files, o.force));
  if (problem !== undefined) return fail(problem);

  for (const hidden of rendered.hiddenByProtectHome) {
    out.stderr.write(
      `drover-coordinator install: warning: ${hidden} is under /home, /root or /run/user, which ` +
        'the unit hides (ProtectHome=yes); put it elsewhere (the coordinator under /opt)\n',
    );
  }
  out.stdout.write(`${describeInstall(rendered, o.dryRun)}${rendered.notes}`);
  return EXIT_OK;
}

/** The first file install was told of that is not there, as a message naming its flag. */
async function missingInput(o: CoordinatorInstallOptions): Promise<string | undefined> {
  const given: Array<[string, string | undefined]> = [
    ['--exec', o.execGiven ? o.exec[0] : undefined],
    ['--tls-cert', o.tlsCert],
    ['--tls-key', o.tlsKey],
  ];
  for (const [flag, file] of given) {
    if (file === undefined) continue;
    try {
      if (!(await stat(file)).isFile()) return `${flag}: ${file} is not a file`;
    } catch (err) {
      return `${flag}: cannot find ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
  }
  return undefined;
}

/**
 * The command that runs this coordinator as it runs now: node and the script it was started
 * with (the release's bundle, or bin/drover-coordinator.js of a checkout), links resolved; the
 * executable alone when it is a single executable (no script of its own).
 */
export function selfCommand(execPath: string, script: string | undefined): [string, ...string[]] {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (script === undefined || real(script) === real(execPath)) return [execPath];
  return [execPath, real(script)];
}
