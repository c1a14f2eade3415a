import type { InstallFile } from './install-files';

/** What an installer writes and what to run after. */
export interface RenderedInstall {
  /** In the order they are written. */
  readonly files: readonly InstallFile[];
  /** What to run next, as root, in order. */
  readonly commands: readonly string[];
}

/** What an installer prints: each file (path, mode, content), then the commands to run next. */
export function describeInstall(rendered: RenderedInstall, dryRun: boolean): string {
  const verb = dryRun ? 'would write' : 'wrote';
  const parts = rendered.files.map(
    (f) => `==> ${verb} ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')})\n${f.content}`,
  );
  const next = rendered.commands.map((c) => `  ${c}\n`).join('');
  const tail = dryRun
    ? `(dry run: nothing was written)\nAfter installing, run as root:\n${next}`
    : `Next, run as root:\n${next}`;
  return `${parts.join('\n')}\n${tail}`;
}
