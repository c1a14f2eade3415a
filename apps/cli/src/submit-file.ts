// `drover submit --file tasks.yaml`: the tasks of a task file (task-file.ts), all checked before
// the first is sent, then submitted all or none; one id (or NewTaskResponse) a line, in order.
// A slice's `input` directory is uploaded first (each directory once); `--secret-file` goes with
// `--file` and gives its bytes to every task of the file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { newTaskResponseToJson, submitAll } from '@drover/client';
import {
  UNARY_DEADLINE_MS,
  callerIdentity,
  printError,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { parseTaskFileText, readTaskFile } from './task-file';
import { withCas } from './cas';
import { readSecretFile, uploadInput } from './submit-inputs';

/** The only submit options that go with `--file`: the rest are keys in the file. */
const WITH_FILE = new Set(['file', 'envExpand', 'json', 'secretFile']);

/** Submits the tasks of `--file`; returns the exit code. */
export async function submitTaskFile(
  host: CommandHost,
  cmd: Command,
  command: readonly string[],
): Promise<number> {
  const { rt } = host;
  const opts = cmd.opts<{
    file: string;
    envExpand?: boolean;
    json?: boolean;
    secretFile?: string;
  }>();
  const usage = async (message: string) => {
    await printError(rt, message);
    return EXIT.USAGE;
  };
  if (command.length > 0) return usage('--file: the command goes in the file (command: [...])');
  const clash = cmd.options.find(
    (o) =>
      !WITH_FILE.has(o.attributeName()) && cmd.getOptionValueSource(o.attributeName()) === 'cli',
  );
  if (clash !== undefined)
    return usage(`--file: give ${clash.long ?? clash.flags} as a key in the file instead`);

  let text: string;
  try {
    text = readFileSync(resolve(rt.cwd, opts.file), 'utf8');
  } catch (err) {
    return usage(`--file: cannot read ${opts.file}: ${(err as Error).message}`);
  }
  const data = parseTaskFileText(text, opts.file);
  const read = data.ok
    ? readTaskFile(data.value, {
        caller: callerIdentity(rt.env),
        baseDir: dirname(resolve(rt.cwd, opts.file)),
        ...(opts.envExpand === true ? { expandEnv: rt.env } : {}),
      })
    : data;
  if (!read.ok) {
    for (const problem of read.errors) await printError(rt, `${opts.file}: ${problem}`);
    return usage(`${opts.file}: nothing submitted`);
  }
  if (opts.secretFile !== undefined) {
    const secret = readSecretFile(opts.secretFile, rt.cwd);
    if (!secret.ok) return usage(secret.message);
    for (const request of read.requests) request.secret_bytes = secret.value;
  }
  return withCas(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client, cas) => {
    const uploaded = new Map<string, { hash: string; size: number }>();
    for (const input of read.inputs) {
      let digest = uploaded.get(input.dir);
      if (digest === undefined) {
        digest = await uploadInput(rt, cas, input.dir);
        uploaded.set(input.dir, digest);
      }
      const slice = read.requests[input.task]?.task_slices?.[input.slice];
      if (slice !== undefined)
        slice.properties = {
          ...slice.properties,
          cas_input_root: { hash: digest.hash, size_bytes: digest.size },
        };
    }
    let responses;
    try {
      // All or none: NewTasks calls, a refused one cancelling the batches before it (submitAll).
      responses = await submitAll(client, read.requests, { deadlineMs: UNARY_DEADLINE_MS });
    } catch (err) {
      if (read.requests.length > 1)
        await printError(rt, `${opts.file}: a task was refused; none of the file's tasks is left`);
      throw err;
    }
    for (const response of responses) {
      if (opts.json === true) await writeJson(rt.stdout, newTaskResponseToJson(response));
      else await writeLine(rt.stdout, response.task_id);
    }
    return EXIT.OK;
  });
}
