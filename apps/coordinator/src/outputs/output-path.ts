/**
 * The relative path of an output file as a bot reports it: `/`-separated, no empty, `.` or `..`
 * segment, not absolute, no NUL or backslash, at most 1024 characters. Returns why it is not one
 * (undefined when it is). Pure; the CLI applies the same rule before it writes a download.
 */
export function badOutputPath(p: string): string | undefined {
  if (p === '') return 'empty';
  if (p.length > 1024) return 'longer than 1024 characters';
  if (p.includes('\0') || p.includes('\\')) return 'contains a NUL byte or a backslash';
  if (p.startsWith('/')) return 'absolute';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..'))
    return 'has an empty, . or .. segment';
  return undefined;
}
