import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { trackChild } from '../../harness/children';
import { nowNs, runRounds } from '../../harness/rounds';
import type { ScenarioContext } from '../../harness/scenario';

/** What a contender runs: the baseline, or one of the three CLI commands. */
export const COMMANDS = ['version', 'submit', 'result'] as const;
export type Command = (typeof COMMANDS)[number];
export type Build = 'released' | 'dev';

/** One process the scenario times from spawn to exit. */
export interface Contender {
  /** `node`, or `<build>-<command>`. */
  readonly key: string;
  /** As printed in the table. */
  readonly label: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly build?: Build;
  readonly command?: Command;
}

export interface CliTarget {
  /** The released executable. */
  readonly released: string;
  /** The coordinator's gRPC address and a file holding the client token. */
  readonly server: string;
  readonly tokenFile: string;
  /** A finished task for `drover result`. */
  readonly finishedTaskId: string;
}

/** `node -e 0`, then --version, submit and result through the released executable and the dev bin. */
export function contenders(root: string, t: CliTarget): Contender[] {
  const devBin = join(root, 'apps', 'cli', 'bin', 'drover.js');
  const connection = ['--server', t.server, '--token-file', t.tokenFile];
  const argsOf: Record<Command, readonly string[]> = {
    version: ['--version'],
    submit: [...connection, 'submit', '-d', 'pool=default', '--', 'true'],
    result: [...connection, 'result', t.finishedTaskId],
  };
  const shown: Record<Command, string> = {
    version: '--version',
    submit: 'submit -d pool=default -- true',
    result: 'result <id>',
  };
  const list: Contender[] = [
    { key: 'node', label: 'node -e 0', file: process.execPath, args: ['-e', '0'] },
  ];
  for (const build of ['released', 'dev'] as const) {
    for (const command of COMMANDS) {
      list.push({
        key: `${build}-${command}`,
        label: `${build === 'released' ? 'released drover' : 'dev bin (tsx)'} ${shown[command]}`,
        file: build === 'released' ? t.released : process.execPath,
        args: build === 'released' ? argsOf[command] : [devBin, ...argsOf[command]],
        build,
        command,
      });
    }
  }
  return list;
}

/** A run's wall time, spawn → exit seen, and what it printed. */
export interface TimedRun {
  readonly ms: number;
  readonly stdout: string;
}

const RUN_DEADLINE_MS = 30_000;

/**
 * Spawns the contender from `cwd` with no DROVER_* variable (the flags say where and with which
 * token), stdout and stderr piped; its wall time from just before the spawn to its exit. A
 * non-zero exit throws with its stderr.
 */
export async function timedRun(
  c: Contender,
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<TimedRun> {
  signal.throwIfAborted();
  const t0 = nowNs();
  const child = trackChild(spawn(c.file, c.args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const kill = () => child.kill('SIGKILL');
  const timer = setTimeout(kill, RUN_DEADLINE_MS);
  signal.addEventListener('abort', kill, { once: true });
  try {
    const { ms, code, sig } = await new Promise<{
      ms: number;
      code: number | null;
      sig: NodeJS.Signals | null;
    }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve({ ms: (nowNs() - t0) / 1e6, code, sig }));
    });
    // The pipes drain after the exit: the output is complete once they close.
    if (child.stdout !== null && !child.stdout.readableEnded) {
      await new Promise((resolve) => child.once('close', resolve));
    }
    signal.throwIfAborted();
    if (code !== 0) {
      throw new Error(
        `${c.label} exited ${sig ?? code}${sig === 'SIGKILL' ? ` (over ${RUN_DEADLINE_MS / 1000} s?)` : ''}: ${stderr.trim()}`,
      );
    }
    return { ms, stdout };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', kill);
  }
}

/** The process environment without DROVER_* (no DROVER_TASK_ID parent, no stray server). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DROVER_')));
}

export interface Schedule {
  readonly rounds: number;
  /** Runs of `node -e 0` and of each released command, per round. */
  readonly runs: number;
  /** Runs of each dev-bin command per round, spread evenly among the `runs` (at most `runs`). */
  readonly devRuns: number;
  /** Runs of every contender in the warm-up round. */
  readonly warmupRuns: number;
}

/** Milliseconds per contender key, round by round. */
export type CliRounds = Record<string, number[][]>;

/**
 * Runs the contenders one at a time, alternating: iteration k of a round runs each of them once,
 * in an order rotated by k, so that the machine's noise falls on all alike; the dev bin's
 * commands take part in `devRuns` of the iterations only (each is ~10× slower). `after` sees a
 * run's output outside its timing (submit: wait for the task to end before the next run).
 */
export async function measureCli(
  ctx: ScenarioContext,
  s: Schedule,
  list: readonly Contender[],
  cwd: string,
  after: (c: Contender, run: TimedRun) => Promise<void>,
): Promise<CliRounds> {
  const env = cleanEnv();
  const devRuns = Math.min(s.devRuns, s.runs);
  const rounds = await runRounds({ rounds: s.rounds, signal: ctx.signal }, async (i) => {
    const warmup = i < 0;
    const n = warmup ? s.warmupRuns : s.runs;
    ctx.progress(
      warmup
        ? `warm-up (${n} runs of each)`
        : `round ${i + 1}/${s.rounds} (${n} runs each, dev bin ${devRuns})`,
    );
    const got: number[][] = list.map(() => []);
    for (let k = 0; k < n; k++) {
      const withDev = warmup || (k * devRuns) % n < devRuns;
      const present = list.filter((c) => withDev || c.build !== 'dev');
      for (let j = 0; j < present.length; j++) {
        const c = present[(j + k) % present.length]!;
        const run = await timedRun(c, cwd, env, ctx.signal);
        got[list.indexOf(c)]!.push(run.ms);
        await after(c, run);
      }
    }
    return got;
  });
  return Object.fromEntries(list.map((c, j) => [c.key, rounds.map((r) => r[j]!)]));
}
