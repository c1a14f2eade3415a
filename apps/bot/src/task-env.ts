import path from 'node:path';

/**
 * Where a task runs and with which environment: pure functions of the manifest, so the rules are
 * testable without spawning anything. Outcomes are data; a `clientError` means the task cannot run
 * on any bot (it becomes CLIENT_ERROR), so no process is started.
 */

export interface StringPairLike {
  readonly key: string;
  readonly value: string;
}
export interface StringListPairLike {
  readonly key: string;
  readonly value: readonly string[];
}

export type Resolved<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly clientError: string };

const TASK_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `<botDir>/w/<taskId>`; refuses a task id that is not a plain file name. */
export function taskWorkDir(botDir: string, taskId: string): Resolved<string> {
  if (!TASK_ID_RE.test(taskId) || taskId === '.' || taskId === '..') {
    return { ok: false, clientError: `task id '${taskId}' cannot name a directory` };
  }
  return { ok: true, value: path.join(botDir, 'w', taskId) };
}

/**
 * `<botDir>/out/<taskId>`: the task's DROVER_OUTDIR, outside its work dir so that the files can
 * still be uploaded while the work dir is being removed. Undefined for a task id that is not a
 * plain file name (as taskWorkDir refuses it).
 */
export function taskOutDir(botDir: string, taskId: string): string | undefined {
  return taskWorkDir(botDir, taskId).ok ? path.join(botDir, 'out', taskId) : undefined;
}

/**
 * A path inside `root` for a relative path from the manifest; refuses one that escapes it.
 * Lexical only (symlinks are not looked at): a path the bot makes or reads on a payload's behalf
 * also goes through safe-paths.ts, which walks it on the real file system.
 */
export function resolveInside(root: string, relative: string, field: string): Resolved<string> {
  if (path.isAbsolute(relative)) {
    return {
      ok: false,
      clientError: `${field}: '${relative}' must be relative to the task's work dir`,
    };
  }
  const resolved = path.resolve(root, relative);
  const rel = path.relative(root, resolved);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return { ok: false, clientError: `${field}: '${relative}' escapes the task's work dir` };
  }
  return { ok: true, value: resolved };
}

export interface TaskEnvInput {
  /** The bot's own environment, without its secrets. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly env: readonly StringPairLike[];
  readonly secretEnv: readonly StringPairLike[];
  readonly envPrefixes: readonly StringListPairLike[];
  readonly workDir: string;
  readonly taskId: string;
  readonly botId: string;
  readonly server: string;
  /** `DROVER_TASK_NONCE`: unguessable, marks every process of this task (escaped-sweep.ts). */
  readonly taskNonce?: string;
  /** `DROVER_OUTDIR`: an empty directory whose files are uploaded when the task ends. */
  readonly outDir?: string;
  /**
   * `DROVER_CLI`: the `drover` executable the bot gives its tasks (task-cli.ts); its dir goes
   * first on PATH.
   */
  readonly droverCli?: string;
  /** `DROVER_SECRET_BYTES_PATH`: the 0600 file holding the task's secret_bytes, when it has some. */
  readonly secretBytesPath?: string;
}

/**
 * base env < manifest env < secret env < DROVER_TASK_ID / DROVER_BOT_ID / DROVER_SERVER /
 * DROVER_TASK_NONCE / DROVER_OUTDIR / DROVER_SECRET_BYTES_PATH / DROVER_CLI.
 * An empty value unsets a variable (Swarming's rule). `env_prefixes` prepend paths inside the
 * work dir to a variable (`PATH=<work>/bin:$PATH`). Last, the dir of `drover` (DROVER_CLI) goes
 * first on PATH, before the task's own PATH as the rules above made it; a task whose PATH ends up
 * unset gets DROVER_CLI only.
 */
export function buildTaskEnv(input: TaskEnvInput): Resolved<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.baseEnv)) if (v !== undefined) env[k] = v;
  for (const [field, pairs] of [
    ['env', input.env],
    ['secret_env', input.secretEnv],
  ] as const) {
    for (const { key, value } of pairs) {
      if (!ENV_KEY_RE.test(key))
        return { ok: false, clientError: `${field}: bad variable name '${key}'` };
      if (value === '') delete env[key];
      else env[key] = value;
    }
  }
  for (const { key, value: paths } of input.envPrefixes) {
    if (!ENV_KEY_RE.test(key))
      return { ok: false, clientError: `env_prefixes: bad variable name '${key}'` };
    const resolved: string[] = [];
    for (const p of paths) {
      const r = resolveInside(input.workDir, p, `env_prefixes.${key}`);
      if (!r.ok) return r;
      resolved.push(r.value);
    }
    const current = env[key];
    env[key] = [...resolved, ...(current === undefined || current === '' ? [] : [current])].join(
      path.delimiter,
    );
  }
  env.DROVER_TASK_ID = input.taskId;
  env.DROVER_BOT_ID = input.botId;
  env.DROVER_SERVER = input.server;
  if (input.taskNonce !== undefined) env.DROVER_TASK_NONCE = input.taskNonce;
  else delete env.DROVER_TASK_NONCE;
  if (input.outDir !== undefined) env.DROVER_OUTDIR = input.outDir;
  else delete env.DROVER_OUTDIR;
  if (input.secretBytesPath !== undefined) env.DROVER_SECRET_BYTES_PATH = input.secretBytesPath;
  else delete env.DROVER_SECRET_BYTES_PATH;
  if (input.droverCli !== undefined) {
    env.DROVER_CLI = input.droverCli;
    const rest = env.PATH;
    if (rest !== undefined && rest !== '')
      env.PATH = `${path.dirname(input.droverCli)}${path.delimiter}${rest}`;
  } else delete env.DROVER_CLI;
  return { ok: true, value: env };
}
