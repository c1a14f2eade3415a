import type { Command } from 'commander';
import { newTaskResponseToJson } from '@drover/client';
import type { NewTaskRequest, StringPair, TaskProperties } from '@drover/protocol';
import {
  parseCount,
  parseDimension,
  parseEnvVar,
  parseTag,
  optionParser,
  repeatableParser,
} from './args';
import type { Parsed } from './args';
import {
  UNARY_DEADLINE_MS,
  callerIdentity,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';

/** io_timeout_secs when --io-timeout is not given (the server's own default is 0 = off). */
export const DEFAULT_IO_TIMEOUT_SECS = 1200;

/** `drover submit`'s options as commander parses them. */
export interface SubmitOptions {
  dimension?: StringPair[];
  priority?: number;
  timeout?: number;
  ioTimeout: number;
  grace?: number;
  expiration?: number;
  waitForCapacity?: boolean;
  tag?: string[];
  env?: StringPair[];
  cwd?: string;
  idempotent?: boolean;
  name?: string;
  user?: string;
  json?: boolean;
}

/** The NewTaskRequest for `drover submit`: one slice; unset options are left to the server. */
export function buildNewTaskRequest(
  opts: SubmitOptions,
  command: readonly string[],
  caller: { user: string | undefined; parentTaskId: string | undefined },
): Parsed<NewTaskRequest> {
  if (command.length === 0)
    return { ok: false, message: 'no command given: drover submit [options] -- <command...>' };
  if (!(opts.dimension ?? []).some((d) => d.key === 'pool')) {
    return { ok: false, message: 'a pool is required: add -d pool=<name>' };
  }
  const properties: TaskProperties = {
    command: [...command],
    env: opts.env ?? [],
    dimensions: opts.dimension ?? [],
    io_timeout_secs: opts.ioTimeout,
    idempotent: opts.idempotent === true,
  };
  if (opts.cwd !== undefined) properties.relative_cwd = opts.cwd;
  if (opts.timeout !== undefined) properties.execution_timeout_secs = opts.timeout;
  if (opts.grace !== undefined) properties.grace_period_secs = opts.grace;
  const request: NewTaskRequest = {
    name: opts.name ?? '',
    tags: opts.tag ?? [],
    user: opts.user ?? caller.user ?? '',
    parent_task_id: caller.parentTaskId ?? '',
    task_slices: [
      {
        properties,
        wait_for_capacity: opts.waitForCapacity === true,
        ...(opts.expiration === undefined ? {} : { expiration_secs: opts.expiration }),
      },
    ],
  };
  if (opts.priority !== undefined) request.priority = opts.priority;
  return { ok: true, value: request };
}

export function registerSubmit(program: Command, host: CommandHost): void {
  const count = optionParser(parseCount);
  program
    .command('submit')
    .description('Submit a task; prints its id.')
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the command line to run on a bot')
    .showHelpAfterError(
      '(usage: drover submit [options] -- <command...>; add --help for the options)',
    )
    .option(
      '-d, --dimension <key=value>',
      'required bot dimension, repeatable; pool= is required',
      repeatableParser(parseDimension),
    )
    .option('--priority <n>', 'priority 1-255, lower runs first (server default 200)', count)
    .option('--timeout <secs>', 'execution timeout (server default 3600)', count)
    .option(
      '--io-timeout <secs>',
      'stop the task after this long without output; 0 = off',
      count,
      DEFAULT_IO_TIMEOUT_SECS,
    )
    .option('--grace <secs>', 'time between SIGTERM and SIGKILL (server default 30)', count)
    .option(
      '--expiration <secs>',
      'how long the task may wait for a bot (server default 21600)',
      count,
    )
    .option('--wait-for-capacity', 'queue even when no bot could run the task right now')
    .option('--tag <key:value>', 'tag, repeatable', repeatableParser(parseTag))
    .option(
      '--env <KEY=VALUE>',
      'environment variable for the task, repeatable',
      repeatableParser(parseEnvVar),
    )
    .option('--cwd <dir>', 'working directory, relative to the task directory')
    .option('--idempotent', 'a successful task with the same properties may be reused')
    .option('--name <name>', 'task name')
    .option('--user <user>', 'on whose behalf (default: $USER)')
    .option('--json', 'print the NewTaskResponse as JSON instead of the id')
    .action(async (command: string[], opts: SubmitOptions, cmd: Command) => {
      const { rt } = host;
      const request = buildNewTaskRequest(opts, command, callerIdentity(rt.env));
      if (!request.ok) {
        await printError(rt, request.message);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const response = await client.newTask(request.value, { deadlineMs: UNARY_DEADLINE_MS });
        if (opts.json === true) await writeJson(rt.stdout, newTaskResponseToJson(response));
        else await writeLine(rt.stdout, response.task_id);
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
