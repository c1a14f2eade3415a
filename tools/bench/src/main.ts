// `npm run bench [-- <scenario>… | --list] [--key=value… | --key value…]`: runs the scenarios (all
// by default), prints each one's table and writes bench/results/<result name>.json.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from './harness/print-table';
import { machine, writeResult } from './harness/result-file';
import { UsageError, type Scenario, type ScenarioContext } from './harness/scenario';
import { SCENARIOS } from './scenarios/scenarios';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const USAGE = `Usage: npm run bench -- [scenario…] [--list] [--key=value… | --key value…]

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.description}`).join('\n')}
`;

async function main(): Promise<number> {
  const names: string[] = [];
  const options: Record<string, string> = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--list' || arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (m === null) names.push(arg);
    else if (m[2] !== undefined) options[m[1]!] = m[2];
    else if (isValue(args[i + 1])) options[m[1]!] = args[++i]!;
    else options[m[1]!] = '1';
  }
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  try {
    for (const scenario of chosen) scenario.checkOptions?.(options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n`);
    return 2;
  }

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  let failed = 0;
  for (const scenario of chosen) {
    const skipped = await scenario.skip?.(options);
    if (skipped !== undefined) {
      process.stdout.write(`\n${scenario.name}: skipped — ${skipped}\n`);
      continue;
    }
    const startedAt = new Date();
    const t0 = performance.now();
    const ctx: ScenarioContext = {
      root,
      options,
      signal: controller.signal,
      progress: (message) => {
        const secs = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
        process.stderr.write(`[${scenario.name} ${secs}s] ${message}\n`);
      },
    };
    try {
      const report = await scenario.run(ctx);
      const durationMs = performance.now() - t0;
      const path = writeResult(root, scenario.name, report, {
        startedAt,
        durationMs,
        fileName: resultName(scenario, options),
      });
      const title = `${scenario.name} (${(durationMs / 1000).toFixed(0)} s) → ${relative(process.cwd(), path)}`;
      const m = machine();
      process.stdout.write(
        `\n${formatTable(title, report)}\n  machine: ${m.cores} cores (${m.cpuModel}), ` +
          `${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, node ${m.node}, ` +
          `load average ${m.loadAverage.join(' / ')}\n`,
      );
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`bench: ${scenario.name}: ${err.message}\n`);
        return 2;
      }
      failed++;
      process.stderr.write(
        `\n${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `--key value`: the next argument is the value unless it is a flag or a scenario's name. */
function isValue(next: string | undefined): boolean {
  return next !== undefined && !next.startsWith('--') && !SCENARIOS.some((s) => s.name === next);
}

function resultName(scenario: Scenario, options: Record<string, string>): string {
  return scenario.resultName?.(options) ?? scenario.name;
}

// Exit explicitly: a scenario that left a handle open must not keep the run alive.
process.exit(await main());
