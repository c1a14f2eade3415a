import type { Command } from 'commander';
import { resultToJson } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatSize } from './output-size';
import { downloadOutput, downloadTarget } from './output-download';

/**
 * `drover outputs <task-id> [--json] [--download DIR]`: the files the task left in
 * DROVER_OUTDIR, listed, or downloaded into DIR keeping their relative paths, each
 * checked against its size and SHA-256. A listed path that would land outside DIR is refused.
 * Exit 0 when everything listed (and downloaded) is fine; 1 when a file failed or was refused.
 */
export function registerOutputs(program: Command, host: CommandHost): void {
  program
    .command('outputs')
    .description('List (or download) the files a task left in its DROVER_OUTDIR.')
    .argument('<task-id>')
    .option(
      '--json',
      "one JSON object: the TaskResult's task_id, outputs [{path, size, digest}], outputs_truncated",
    )
    .option('--download <dir>', 'write the files under this directory (created if needed)')
    .action(async (taskId: string, opts: { json?: boolean; download?: string }, cmd: Command) => {
      const { rt } = host;
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const result = await client.getResult(taskId, { deadlineMs: UNARY_DEADLINE_MS });
        const files = result.outputs;
        if (opts.json === true) {
          // Three fields of the TaskResult, as its canonical JSON writes them (`size` a string).
          const json = resultToJson(result);
          await writeJson(rt.stdout, {
            task_id: json.task_id,
            outputs: json.outputs ?? [],
            outputs_truncated: json.outputs_truncated,
          });
        } else if (opts.download === undefined) {
          for (const f of files)
            await writeLine(
              rt.stdout,
              `${formatSize(f.size).padStart(10)}  ${f.digest.slice(0, 12)}  ${f.path}`,
            );
        }
        if (result.outputs_truncated)
          await printError(rt, `task ${taskId}: outputs incomplete: ${result.summary}`);
        if (opts.download === undefined) return EXIT.OK;
        let failed = 0;
        for (const f of files) {
          const where = downloadTarget(opts.download, f.path);
          const why = where.ok ? await downloadOutput(client, taskId, f, where.target) : where.why;
          if (why !== undefined) {
            failed++;
            await printError(rt, why);
          } else if (opts.json !== true) await writeLine(rt.stdout, where.ok ? where.target : '');
        }
        return failed === 0 ? EXIT.OK : EXIT.RPC_ERROR;
      });
      host.exitWith(code);
    });
}
