// `drover retry ID`: the same request again as a new task, tagged `retry_of:ID`; `--priority`
// and `--tag` override the original's. The input tree (cas_input_root) goes with the slices; secret
// bytes cannot (the coordinator never returns them): a task that had them is retried only with
// `--secret-file` giving them again.
import type { Command } from 'commander';
import { newTaskResponseToJson } from '@drover/client';
import { AUTOMATIC_TAG_KEYS, PARENT_TAG_KEY } from '@drover/protocol';
import type { NewTaskRequest, TaskRequestOut } from '@drover/protocol';
import { optionParser, parseCount, parseTag, repeatableParser } from './args';
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
import { secretFileOption } from './submit-inputs';

/** The tag a retry carries: `retry_of:<the task it repeats>`. */
export const RETRY_TAG_KEY = 'retry_of';

export interface RetryOverrides {
  readonly priority?: number;
  /** `key:value` tags; each replaces the original's tags with the same key. */
  readonly tags?: readonly string[];
}

const tagKey = (tag: string) => tag.slice(0, tag.indexOf(':'));

/**
 * The NewTaskRequest repeating `original`: its slices, name, user and notify as they were; its
 * tags without the coordinator's (`parent_task_id:`, `pool:`, `user:`, `name:`, `priority:`: it
 * sets them again from the new request) and an earlier `retry_of:`, with `--tag`'s
 * keys replaced, then `retry_of:<id>`. Never its request_uuid (which would return the original),
 * and a parent only as submit has one: the task the caller runs in.
 */
export function retryRequest(
  original: TaskRequestOut,
  overrides: RetryOverrides,
  caller: { parentTaskId: string | undefined },
): { request: NewTaskRequest; notes: string[] } {
  const notes: string[] = [];
  const given = overrides.tags ?? [];
  const replaced = new Set<string>([
    PARENT_TAG_KEY,
    ...AUTOMATIC_TAG_KEYS,
    RETRY_TAG_KEY,
    ...given.map(tagKey),
  ]);
  const request: NewTaskRequest = {
    name: original.name,
    user: original.user,
    priority: overrides.priority ?? original.priority,
    tags: [
      ...original.tags.filter((t) => !replaced.has(tagKey(t))),
      ...given,
      `${RETRY_TAG_KEY}:${original.task_id}`,
    ],
    parent_task_id: caller.parentTaskId ?? '',
    task_slices: original.task_slices.map((s) => ({
      properties: s.properties,
      wait_for_capacity: s.wait_for_capacity,
      ...(s.expiration_secs === undefined ? {} : { expiration_secs: s.expiration_secs }),
    })),
  };
  const notify = original.notify;
  if (notify && notify.url !== '') {
    // The coordinator hides a URL's credentials from readers: such a URL cannot be
    // sent again as it was.
    if (notify.url.includes('***@'))
      notes.push('not notifying: the coordinator hid the credentials of the notify URL');
    else request.notify = { url: notify.url, userdata: notify.userdata };
  }
  return { request, notes };
}

export function registerRetry(program: Command, host: CommandHost): void {
  program
    .command('retry')
    .description('Submit the request of a task again as a new task tagged retry_of:ID.')
    .argument('<task-id>')
    .option('--priority <n>', 'priority 1-255 instead of the original', optionParser(parseCount))
    .option(
      '--tag <key:value>',
      "tag, repeatable; replaces the original's tags with that key",
      repeatableParser(parseTag),
    )
    .option(
      '--secret-file <file>',
      'secret bytes for the new task (required when the original had some: they are never ' +
        'returned, so they cannot be sent again without it)',
    )
    .option('--json', 'print the NewTaskResponse as JSON instead of the id')
    .action(
      async (
        id: string,
        opts: { priority?: number; tag?: string[]; json?: boolean; secretFile?: string },
        cmd: Command,
      ) => {
        const { rt } = host;
        const secretFile = await secretFileOption(host, opts.secretFile);
        if (secretFile.failed) return;
        const secret = secretFile.secret;
        const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
          const original = await client.getRequest(id, { deadlineMs: UNARY_DEADLINE_MS });
          if (original.has_secret_bytes && secret === undefined) {
            await printError(
              rt,
              `task ${original.task_id} had secret bytes, which the coordinator never returns: ` +
                'retry it with --secret-file <file> to give them again',
            );
            return EXIT.USAGE;
          }
          const { request, notes } = retryRequest(
            original,
            {
              ...(opts.priority === undefined ? {} : { priority: opts.priority }),
              ...(opts.tag === undefined ? {} : { tags: opts.tag }),
            },
            callerIdentity(rt.env),
          );
          if (secret !== undefined) request.secret_bytes = secret;
          for (const note of notes) await printError(rt, note);
          const response = await client.newTask(request, { deadlineMs: UNARY_DEADLINE_MS });
          if (opts.json === true) await writeJson(rt.stdout, newTaskResponseToJson(response));
          else await writeLine(rt.stdout, response.task_id);
          return EXIT.OK;
        });
        host.exitWith(code);
      },
    );
}
