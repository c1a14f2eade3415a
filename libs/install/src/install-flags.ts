import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** The flags every installer takes, for parseArgs: where its files go, --force, --dry-run, --help. */
export const INSTALL_FLAGS = {
  'config-dir': { type: 'string' },
  'unit-dir': { type: 'string' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagOptions;

/** What parseInstallFlags gives for an installer's own `options` (and INSTALL_FLAGS). */
export type InstallFlagValues<T extends FlagOptions> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: T & typeof INSTALL_FLAGS;
    strict: true;
    allowPositionals: false;
  }>
>['values'];

/** An installer's flags: its own `options` and INSTALL_FLAGS, strictly; no positionals. */
export function parseInstallFlags<T extends FlagOptions>(
  argv: readonly string[],
  options: T,
):
  | { readonly kind: 'flags'; readonly values: InstallFlagValues<T> }
  | { readonly kind: 'usage-error'; readonly message: string } {
  try {
    const config = {
      args: [...argv],
      options: { ...options, ...INSTALL_FLAGS },
      strict: true as const,
      allowPositionals: false as const,
    };
    return { kind: 'flags', values: parseArgs(config).values };
  } catch (err) {
    return { kind: 'usage-error', message: flagErrorMessage(err) };
  }
}

/** A parseArgs error as a usage message: its first sentence, without the period. */
export function flagErrorMessage(err: unknown): string {
  const message =
    err instanceof Error ? (err.message.split(/\.\s/)[0] ?? err.message) : String(err);
  return message.replace(/\.$/, '');
}

/** Whether `name` is a user name useradd takes (a letter or `_` first; a `$` only last). */
export function isUserName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(name);
}
