import type { Command } from 'commander';
import { run } from '@drover/client';
import { Reporter } from './collect';
import {
  UNARY_DEADLINE_MS,
  callerIdentity,
  printError,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT, mergedExitCode } from './exit-codes';
import { addSubmitOptions, buildSubmission, prepareSecret, type SubmitOptions } from './submit';
import { withCas } from './cas';
import { setInputRoot, uploadInput } from './submit-inputs';

interface RunOptions extends SubmitOptions {
  detach?: boolean;
}

/** What to do with the tasks on Ctrl-C: cancel them (killing running ones), or leave them be. */
type OnInterrupt = 'cancel' | 'detach';

export function registerRun(program: Command, host: CommandHost): void {
  addSubmitOptions(
    program
      .command('run')
      .description(
        "Submit a task (or --shards N), stream its output live, exit with the task's exit code " +
          '(shards: the merged one). Ctrl-C cancels the tasks, killing running ones.',
      )
      .usage('[submit options] [--detach] -- <command...>')
      .argument('<command...>', 'the command line to run on a bot')
      .showHelpAfterError(
        '(usage: drover run [submit options] -- <command...>; add --help for the options)',
      ),
  )
    .option('--detach', 'on Ctrl-C leave the tasks running (exit 130) instead of cancelling them')
    .action(async (command: string[], opts: RunOptions, cmd: Command) => {
      const { rt } = host;
      const submission = buildSubmission(opts, command, callerIdentity(rt.env));
      if (!submission.ok) {
        await printError(rt, submission.message);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const { requests, group } = submission.value;
      const ready = prepareSecret(opts, requests, rt.cwd);
      if (!ready.ok) {
        await printError(rt, ready.message);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const onInterrupt: OnInterrupt = opts.detach === true ? 'detach' : 'cancel';
      const leave = new AbortController();
      const cancel = new AbortController();
      let taskIds: readonly string[] = [];
      const release = rt.onInterrupt?.(() => {
        const how =
          onInterrupt === 'detach'
            ? `leaving ${taskIds.length} task(s) running: ` +
              (group === undefined
                ? `drover wait ${taskIds.join(' ')}`
                : `drover collect --shard-group ${group}`)
            : 'cancelling (Ctrl-C again to leave at once)';
        void writeLine(rt.stderr, `\n${how}`);
        (onInterrupt === 'detach' ? leave : cancel).abort(new Error('interrupted'));
      });
      let reporter: Reporter | undefined;
      try {
        host.exitWith(
          await withCas(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client, cas) => {
            if (opts.input !== undefined)
              setInputRoot(requests, await uploadInput(rt, cas, opts.input));
            try {
              const outcome = await run(client, requests, {
                signal: leave.signal,
                cancel: cancel.signal,
                deadlineMs: UNARY_DEADLINE_MS,
                onSubmitted: (ids) => {
                  taskIds = ids;
                  void writeLine(
                    rt.stderr,
                    group === undefined ? `task ${ids[0]}` : `${ids.length} shards, group ${group}`,
                  );
                  reporter = new Reporter(
                    rt,
                    ids.map((taskId, i) => ({
                      taskId,
                      prefix: `[${i}] `,
                      label: group === undefined ? taskId : `shard ${i}`,
                    })),
                    { json: false, output: group === undefined ? 'raw' : 'prefixed' },
                  );
                },
                onUpdate: (result) => reporter?.update(result),
                onOutput: (i, bytes) => reporter?.output(i, bytes),
                onOutputEnd: (i) => reporter?.outputEnded(i),
                onResult: (i, result) => reporter?.ended(i, result),
              });
              return mergedExitCode(outcome.results) ?? EXIT.RPC_ERROR;
            } catch (err) {
              if (leave.signal.aborted) return EXIT.INTERRUPTED;
              throw err;
            } finally {
              await reporter?.finish();
            }
          }),
        );
      } finally {
        release?.();
      }
    });
}
