import type { Command } from 'commander';
import { newTaskResponseToJson, submitAll } from '@drover/client';
import type { NewTaskRequest, TaskProperties, TaskSlice } from '@drover/protocol';
import {
  applyFallback,
  parseCount,
  parseDimension,
  parseEnvVar,
  parseFallback,
  parseTag,
  optionParser,
  repeatableParser,
} from './args';
import type { FallbackSpec, KeyValue, Parsed } from './args';
import {
  UNARY_DEADLINE_MS,
  callerIdentity,
  printError,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { parseCache, type CacheArg } from './cache-arg';
import {
  parseBotPingTolerance,
  parseCpuWeight,
  parseMemoryLimit,
  parsePidsLimit,
} from './limit-args';
import { EXIT } from './exit-codes';
import { MAX_SHARDS, parseShards, shardGroupId, shardRequests } from './shards';
import { submitTaskFile } from './submit-file';
import { withCas } from './cas';
import { parseDigestText } from './cas-walk';
import { readSecretFile, setInputRoot, uploadInput } from './submit-inputs';

/** io_timeout_secs when --io-timeout is not given (the server's own default is 0 = off). */
export const DEFAULT_IO_TIMEOUT_SECS = 1200;

/** `drover submit`'s options as commander parses them. */
export interface SubmitOptions {
  dimension?: KeyValue[];
  priority?: number;
  timeout?: number;
  ioTimeout: number;
  grace?: number;
  expiration?: number;
  waitForCapacity?: boolean;
  tag?: string[];
  env?: KeyValue[];
  cwd?: string;
  idempotent?: boolean;
  fallback?: FallbackSpec[];
  requestUuid?: string;
  name?: string;
  user?: string;
  json?: boolean;
  /** `--parent ID`: the parent task; `--no-parent`: false (none, even inside a task). */
  parent?: string | false;
  notifyUrl?: string;
  notifyUserdata?: string;
  /** `--cache name=path`, repeatable: named caches the bot keeps across tasks. */
  cache?: CacheArg[];
  /** `--memory-limit <size>`, in bytes; `--pids-limit <n>`; `--cpu-weight <n>`. */
  memoryLimit?: number;
  pidsLimit?: number;
  cpuWeight?: number;
  /** `--bot-ping-tolerance <secs>`: the task's own (absent: the coordinator's). */
  botPingTolerance?: number;
  /** `--shards <n>`: submit n shards of the request (1..MAX_SHARDS). */
  shards?: number;
  /** `--input <dir>`: uploaded (what the CAS lacks), its tree the slices' cas_input_root. */
  input?: string;
  /** `--input-digest <hash/size>`: a tree already uploaded. */
  inputDigest?: { hash: string; size: number };
  /** `--secret-file <file>`: its bytes (≤ 20 KiB) as the request's secret_bytes. */
  secretFile?: string;
}

/**
 * The NewTaskRequest for `drover submit`: the primary slice from `-d`/`--expiration`/
 * `--wait-for-capacity`, then one slice per `--fallback` with the same properties but its own
 * dimensions and expiration (never wait_for_capacity). Unset options are left to the server, which
 * also checks the slice limits (≤ 8, one pool, no duplicates).
 */
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
  if (opts.input !== undefined && opts.inputDigest !== undefined)
    return { ok: false, message: 'give --input or --input-digest, not both' };
  if (opts.inputDigest !== undefined)
    properties.cas_input_root = { hash: opts.inputDigest.hash, size_bytes: opts.inputDigest.size };
  if (opts.cwd !== undefined) properties.relative_cwd = opts.cwd;
  if (opts.cache !== undefined) properties.caches = opts.cache.map((c) => ({ ...c }));
  if (opts.timeout !== undefined) properties.execution_timeout_secs = opts.timeout;
  if (opts.grace !== undefined) properties.grace_period_secs = opts.grace;
  if (opts.memoryLimit !== undefined) properties.memory_limit_bytes = opts.memoryLimit;
  if (opts.pidsLimit !== undefined) properties.pids_limit = opts.pidsLimit;
  if (opts.cpuWeight !== undefined) properties.cpu_weight = opts.cpuWeight;
  if (opts.botPingTolerance !== undefined) {
    properties.bot_ping_tolerance_secs = opts.botPingTolerance;
  }
  const slices: TaskSlice[] = [
    {
      properties,
      wait_for_capacity: opts.waitForCapacity === true,
      ...(opts.expiration === undefined ? {} : { expiration_secs: opts.expiration }),
    },
  ];
  for (const [i, fallback] of (opts.fallback ?? []).entries()) {
    const dimensions = applyFallback(opts.dimension ?? [], fallback);
    if (!dimensions.ok)
      return { ok: false, message: `--fallback #${i + 1}: ${dimensions.message}` };
    slices.push({
      properties: { ...properties, dimensions: dimensions.value },
      wait_for_capacity: false,
      ...(fallback.expirationSecs === undefined
        ? {}
        : { expiration_secs: fallback.expirationSecs }),
    });
  }
  if (opts.notifyUserdata !== undefined && opts.notifyUrl === undefined)
    return { ok: false, message: '--notify-userdata needs --notify-url' };
  const request: NewTaskRequest = {
    name: opts.name ?? '',
    tags: opts.tag ?? [],
    user: opts.user ?? caller.user ?? '',
    // --parent wins over DROVER_TASK_ID (set inside a task); --no-parent sends none.
    parent_task_id: opts.parent === false ? '' : (opts.parent ?? caller.parentTaskId ?? ''),
    task_slices: slices,
  };
  if (opts.notifyUrl !== undefined)
    request.notify = { url: opts.notifyUrl, userdata: opts.notifyUserdata ?? '' };
  if (opts.priority !== undefined) request.priority = opts.priority;
  if (opts.requestUuid !== undefined) request.request_uuid = opts.requestUuid;
  return { ok: true, value: request };
}

/** `--notify-url`: an http:// or https:// URL (the server checks it again). */
export function parseNotifyUrl(text: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'not a URL (e.g. https://ci.example.com/drover-hook)' };
  }
  return url.protocol === 'http:' || url.protocol === 'https:'
    ? { ok: true, value: text }
    : { ok: false, message: `must be http:// or https://, got ${url.protocol}` };
}

/** `--request-uuid`: any non-empty text (the server allows up to 128 characters). */
export function parseRequestUuid(text: string): Parsed<string> {
  return text === '' ? { ok: false, message: 'must not be empty' } : { ok: true, value: text };
}

/**
 * The task-describing options of `drover submit`, on `command`: `drover run` takes the same ones
 * through this (not a copy), so the two never drift apart.
 */
export function addSubmitOptions(command: Command): Command {
  const count = optionParser(parseCount);
  return command
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
    .option(
      '--wait-for-capacity',
      'queue even when no bot could run the task right now (primary slice only)',
    )
    .option(
      '--fallback <[secs:]edits>',
      'after the previous slice expires, try these dimensions instead, repeatable: ' +
        'edits are key=value (instead of -d key=…) or -key (drop it), comma-separated; ' +
        "secs is this slice's expiration (e.g. 600:gpu=none,-caches)",
      repeatableParser(parseFallback),
    )
    .option('--tag <key:value>', 'tag, repeatable', repeatableParser(parseTag))
    .option(
      '--env <KEY=VALUE>',
      'environment variable for the task, repeatable',
      repeatableParser(parseEnvVar),
    )
    .option('--cwd <dir>', 'working directory, relative to the task directory')
    .option(
      '--input <dir>',
      "upload this directory (only the files the coordinator lacks) as the task's input tree, " +
        'laid out as its work dir by the bot',
    )
    .option(
      '--input-digest <hash/size>',
      'an input tree already uploaded (drover cas upload prints its digest)',
      optionParser(parseDigestText),
    )
    .option(
      '--secret-file <file>',
      'secret bytes for the task (at most 20 KiB, read once, never shown): the task reads them ' +
        'from the file $DROVER_SECRET_BYTES_PATH',
    )
    .option(
      '--cache <name=path>',
      'named cache kept by the bot across tasks, mounted at path (relative), repeatable',
      repeatableParser(parseCache),
    )
    .option(
      '--memory-limit <size>',
      'memory limit of the task, 1MiB-1TiB (512MiB, 2GiB, bytes); enforced on bots with ' +
        'dimension limits=memory (add -d limits=memory to require it)',
      optionParser(parseMemoryLimit),
    )
    .option(
      '--pids-limit <n>',
      'most processes and threads of the task at once, 1-65536 (bots with limits=pids)',
      optionParser(parsePidsLimit),
    )
    .option(
      '--cpu-weight <n>',
      "the task's CPU share, 1-10000, default share 100 (bots with limits=cpu)",
      optionParser(parseCpuWeight),
    )
    .option(
      '--bot-ping-tolerance <secs>',
      "how long the task's bot may be silent before the task is BOT_DIED, 30-1200 " +
        "(default: the coordinator's --bot-ping-tolerance, 60)",
      optionParser(parseBotPingTolerance),
    )
    .option('--idempotent', 'may reuse a successful result of identical work from the last 7 days')
    .option(
      '--request-uuid <uuid>',
      'submitting again with the same uuid within 7 days returns the same task id',
      optionParser(parseRequestUuid),
    )
    .option('--name <name>', 'task name')
    .option('--user <user>', 'on whose behalf (default: $USER)')
    .option(
      '--parent <task-id>',
      'the parent task (default: $DROVER_TASK_ID, set inside a task): ' +
        'this task is cancelled when the parent ends',
    )
    .option('--no-parent', 'no parent task, even inside a task')
    .option(
      '--notify-url <url>',
      'POST every state change of the task to this http(s) URL (signed JSON)',
      optionParser(parseNotifyUrl),
    )
    .option('--notify-userdata <text>', 'sent back in every notification (needs --notify-url)')
    .option(
      '--shards <n>',
      `N tasks of this request, 1-${MAX_SHARDS}, each with GTEST_SHARD_INDEX (0..N-1), ` +
        'GTEST_TOTAL_SHARDS, DROVER_SHARD_INDEX, DROVER_SHARD_COUNT and tags shard_index, ' +
        'shard_count and a common shard_group',
      optionParser(parseShards),
    );
}

/** `--secret-file`: read once, its bytes put in every request (each shard's). */
export function prepareSecret(
  opts: Pick<SubmitOptions, 'secretFile'>,
  requests: readonly NewTaskRequest[],
  cwd: string,
): Parsed<undefined> {
  if (opts.secretFile === undefined) return { ok: true, value: undefined };
  const secret = readSecretFile(opts.secretFile, cwd);
  if (!secret.ok) return secret;
  for (const request of requests) request.secret_bytes = secret.value;
  return { ok: true, value: undefined };
}

/** What `submit` and `run` send: one request, or with `--shards` one per shard and their group. */
export interface Submission {
  readonly requests: NewTaskRequest[];
  /** The shard group id with `--shards`; undefined without. */
  readonly group: string | undefined;
}

export function buildSubmission(
  opts: SubmitOptions,
  command: readonly string[],
  caller: { user: string | undefined; parentTaskId: string | undefined },
): Parsed<Submission> {
  const request = buildNewTaskRequest(opts, command, caller);
  if (!request.ok) return request;
  if (opts.shards === undefined)
    return { ok: true, value: { requests: [request.value], group: undefined } };
  const group = shardGroupId(opts.requestUuid);
  return {
    ok: true,
    value: { requests: shardRequests(request.value, opts.shards, group), group },
  };
}

export function registerSubmit(program: Command, host: CommandHost): void {
  addSubmitOptions(
    program
      .command('submit')
      .description('Submit a task (or --shards N tasks); prints its id (one id per line).')
      .usage('[options] -- <command...> | --file <tasks.yaml>')
      .argument('[command...]', 'the command line to run on a bot (none with --file)')
      .showHelpAfterError(
        '(usage: drover submit [options] -- <command...>; add --help for the options)',
      ),
  )
    .option('--json', 'print the NewTaskResponse as JSON instead of the id (--shards: one a line)')
    .option('--file <path>', 'submit the task(s) of this YAML or JSON file (README: Task files)')
    .option('--env-expand', 'with --file: replace ${NAME} in the file by environment variables')
    .action(async (command: string[], opts: SubmitOptions, cmd: Command) => {
      const { rt } = host;
      // --file: every option is a key in the file (submit-file.ts); otherwise a command is a must.
      if (cmd.getOptionValue('file') !== undefined)
        return host.exitWith(await submitTaskFile(host, cmd, command));
      if (command.length === 0) cmd.error("error: missing required argument 'command'");
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
        return host.exitWith(EXIT.USAGE);
      }
      const code = await withCas(rt, cmd.optsWithGlobals<GlobalOptions>(), async (client, cas) => {
        if (opts.input !== undefined)
          setInputRoot(requests, await uploadInput(rt, cas, opts.input));
        const responses = await submitAll(client, requests, { deadlineMs: UNARY_DEADLINE_MS });
        if (opts.json === true) {
          // One NewTaskResponse a line (NDJSON, as every list of messages; docs/json.md).
          for (const response of responses)
            await writeJson(rt.stdout, newTaskResponseToJson(response));
        } else {
          for (const response of responses) await writeLine(rt.stdout, response.task_id);
        }
        if (group !== undefined)
          await writeLine(
            rt.stderr,
            `${responses.length} shards, group ${group}: drover collect --shard-group ${group}`,
          );
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
