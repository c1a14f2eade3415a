import type { Figure, ScenarioReport, Spread } from './scenario';

/** The report as a plain-text table: figures, then single values, then notes. */
export function formatTable(title: string, report: ScenarioReport): string {
  const lines: string[] = [title, ''];
  if (report.figures.length > 0) {
    const rows = report.figures.map((f) => [
      f.name,
      f.unit,
      spread(f.p50),
      spread(f.p90),
      spread(f.p99),
      spread(f.max),
      `${f.rounds}×${f.samplesPerRound}`,
    ]);
    lines.push(
      ...grid(['figure', 'unit', 'p50', 'p90', 'p99', 'max', 'rounds×n'], rows),
      '',
      '  each cell: median over the rounds [min–max]',
      '',
    );
  }
  if (report.values.length > 0) {
    const rows = report.values.map((v) => [
      v.name,
      v.unit,
      v.rounds ? `${num(v.value)} [${num(v.rounds.min)}–${num(v.rounds.max)}]` : num(v.value),
      v.rounds ? String(v.rounds.count) : '',
    ]);
    lines.push(...grid(['value', 'unit', '', 'rounds'], rows), '');
  }
  for (const note of report.notes) lines.push(`  • ${note}`);
  return `${lines.join('\n')}\n`;
}

export function printTable(title: string, report: ScenarioReport): void {
  process.stdout.write(`\n${formatTable(title, report)}`);
}

/** Ratio of two figures' medians at a percentile, for "deep vs empty" lines. */
export function ratio(a: Figure, b: Figure, at: 'p50' | 'p90' | 'p99' = 'p50'): number {
  return a[at].median / b[at].median;
}

function spread(s: Spread): string {
  return `${num(s.median)} [${num(s.min)}–${num(s.max)}]`;
}

function num(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [line(header), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...rows.map(line)];
}
