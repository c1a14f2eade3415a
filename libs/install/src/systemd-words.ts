/**
 * One word of a command line as systemd reads it: `%` and `$` escaped (specifiers, variables),
 * double-quoted when it holds white space, quotes or backslashes.
 */
export function systemdWord(word: string): string {
  const escaped = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (/^[^\s"'\\]+$/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** `/var/lib/x/y` → `x/y` (a StateDirectory= systemd creates, owned by User=); else undefined. */
export function stateDirectoryOf(dir: string): string | undefined {
  const m = /^\/var\/lib\/([^/].*?)\/*$/.exec(dir);
  return m?.[1];
}
