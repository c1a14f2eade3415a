const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

/**
 * One pino JSON line → one short human line: `12:00:01 INFO  coordinator  task state changed
 * taskId=… from=PENDING to=RUNNING`. Lines that are not JSON pass through unchanged.
 */
export function formatLogLine(source: string, line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${source.padEnd(12)} ${line}`;
  }
  if (typeof rec !== 'object' || rec === null) return `${source.padEnd(12)} ${line}`;
  const time =
    typeof rec['time'] === 'number' ? new Date(rec['time']).toISOString().slice(11, 19) : '';
  const level = LEVELS[Number(rec['level'])] ?? String(rec['level']);
  const fields = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return `${time} ${level} ${source.padEnd(12)} ${String(rec['msg'] ?? '')}${fields ? `  ${fields}` : ''}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === 'object' && v !== null && 'message' in v)
    return JSON.stringify((v as { message: unknown }).message);
  return JSON.stringify(v);
}
