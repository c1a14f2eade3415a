import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotCgroups } from '../src/containment/task-cgroups';
import { startTask, type RunContainment, type RunResult } from '../src/runner';
import { manifest, sh, tempDir, until, within } from './helpers';

/**
 * The escape matrix: a hostile payload (fixtures/escape.sh) starts every way we know
 * of to outlive its task — children and grandchildren ignoring SIGTERM, setsid, a double-fork
 * daemon, a re-forking chain, nohup, a stopped process, `env -u DROVER_TASK_NONCE setsid`,
 * `env -i setsid`, a process forking in a loop — and, after TIMED_OUT and after KILLED, not one
 * process carrying its marker may be left when the runner reports the end. With a cgroup per
 * task, the two that cleared the nonce die too; every round is seen fully started first.
 *
 * Rounds: DROVER_ESCAPE_ROUNDS (default 10 of each ending; 20 or more for a soak), 10 at a time.
 */

const ESCAPE = fileURLToPath(new URL('./fixtures/escape.sh', import.meta.url));
const ROUNDS = Number(process.env['DROVER_ESCAPE_ROUNDS'] ?? 10);
const AT_ONCE = 10;
/**
 * Long enough for every technique of ten payloads at once to be seen running first, even on a
 * machine loaded many times over (2.5 s was not, at a load of 13 on 2 cores; 8 s was not at 14
 * with the rest of the suite running beside it).
 */
const EXECUTION_TIMEOUT_MS = 14_000;
/** How long ten payloads' ends may take from the kill or the timeout, on a loaded machine. */
const END_MS = 15_000;
const KINDS = [
  'ignterm',
  'grandchild',
  'setsid',
  'daemon',
  'nohup',
  'stopped',
  'nononce',
  'envi',
  'forker',
] as const;

/** The argv of every running process (zombies read empty), by pid. */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function marked(marker: string, lines = commandLines()): string[] {
  return [...lines.values()].filter((c) => c.includes(marker));
}

/**
 * Every process's command line, read again only when the last read is 200 ms old: one read
 * serves all the rounds looking at once. A read takes up to 0.7 s here, with a thousand processes
 * being forked, and blocks this process; ten rounds each reading every 5 ms kept it from reading
 * the payloads' output (a round's "ready" still unread after 14 s, at a load of 5).
 */
function recentCommandLines(): Map<number, string> {
  if (recent === undefined || Date.now() - recent.at >= 200) {
    recent = { lines: commandLines(), at: Date.now() };
  }
  return recent.lines;
}
let recent: { lines: Map<number, string>; at: number } | undefined;

let root: string;
let cleanup: () => Promise<void>;
let containment: RunContainment;
let cgroups: BotCgroups;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('drover-escape-'));
  const setup = BotCgroups.setup({
    botId: 'escape-matrix',
    botDir: path.join(root, 'bot'),
    env: {},
  });
  // The suite runs as root (CI does): a bot run by hand as root always has its cgroups.
  if (!setup.ok) throw new Error(`no cgroup for tasks on this machine: ${setup.why}`);
  cgroups = setup.cgroups;
  containment = { kind: 'cgroup', cgroups };
});

afterAll(async () => {
  await cleanup();
});

interface Round {
  readonly result: RunResult;
  readonly left: string[];
  readonly cgroupDir: string;
}

async function round(taskId: string, ending: 'timeout' | 'kill'): Promise<Round> {
  const marker = `drover-escape-${randomBytes(6).toString('hex')}`;
  const chunks: Buffer[] = [];
  const startedAt = Date.now();
  const run = startTask({
    taskId,
    leaseId: 'l',
    botId: 'bot-e',
    server: '127.0.0.1:9',
    botDir: path.join(root, 'bot'),
    baseEnv: { PATH: process.env.PATH },
    manifest: manifest(['bash', ESCAPE, marker]),
    onOutput: (b) => chunks.push(b),
    executionTimeoutMs: ending === 'timeout' ? EXECUTION_TIMEOUT_MS : 0,
    graceMs: 200,
    containment,
  });
  const missing = () => {
    const lines = marked(marker, recentCommandLines());
    return KINDS.filter((k) => !lines.some((l) => l.includes(`${marker}-${k}`)));
  };
  await until(
    `every technique of ${taskId} running`,
    () => Buffer.concat(chunks).includes('ready') && missing().length === 0,
    14_000,
    100,
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}: missing ${missing().join(', ')}; output ${Buffer.concat(chunks).toString()}`,
    );
  });
  if (ending === 'kill') run.kill('test');
  // The end is due END_MS after the termination began: the kill now, or the timeout (counted
  // from the start, so a payload seen running early leaves the same time to end).
  const endsBy =
    ending === 'kill' ? Date.now() + END_MS : startedAt + EXECUTION_TIMEOUT_MS + END_MS;
  const result = await within(`${taskId}'s end`, run.result, endsBy - Date.now());
  return {
    result,
    left: marked(marker),
    cgroupDir: path.join(cgroups.tasksDir, `task-${taskId}`),
  };
}

describe('a task in a cgroup of its own', () => {
  for (const ending of ['timeout', 'kill'] as const) {
    it(
      `leaves no process after ${ending === 'timeout' ? 'TIMED_OUT' : 'KILLED'}, whatever the payload did, ${ROUNDS} rounds`,
      async () => {
        for (let first = 0; first < ROUNDS; first += AT_ONCE) {
          const batch = Array.from({ length: Math.min(AT_ONCE, ROUNDS - first) }, (_, i) =>
            round(`escape-${ending}-${first + i}`, ending),
          );
          for (const [i, r] of (await Promise.all(batch)).entries()) {
            const n = first + i;
            if (ending === 'timeout') expect(r.result.timedOut, `round ${n}`).toBe('hard');
            else expect(r.result.killed, `round ${n}`).toBe(true);
            expect(r.left, `round ${n}: processes left`).toEqual([]);
            // Removed right after the report.
            await until(`round ${n}'s cgroup removed`, () => !existsSync(r.cgroupDir));
          }
        }
      },
      ROUNDS * 6_000 + 40_000,
    );
  }

  it('kills what outlived a payload that exited on its own, and removes the cgroup', async () => {
    const marker = `drover-escape-${randomBytes(6).toString('hex')}`;
    const run = startTask({
      taskId: 'exits-leaving-daemons',
      leaseId: 'l',
      botId: 'bot-e',
      server: '127.0.0.1:9',
      botDir: path.join(root, 'bot'),
      baseEnv: { PATH: process.env.PATH },
      manifest: sh(
        `env -i setsid /bin/bash -c 'exec -a "$0-envi" sleep 1000' ${marker} </dev/null >/dev/null 2>&1 & ` +
          `while ! grep -qs ${marker}-envi /proc/[0-9]*/cmdline; do sleep 0.01; done; exit 0`,
      ),
      onOutput: () => {},
      containment,
    });
    const r = await within('the end', run.result, 10_000);
    expect(r.exitCode).toBe(0);
    expect(r.escapedKilled?.length).toBe(1);
    expect(marked(marker)).toEqual([]);
    await until(
      'the cgroup removed',
      () => !existsSync(path.join(cgroups.tasksDir, 'task-exits-leaving-daemons')),
    );
  });

  it('kills at the next start what a crashed run left in its task cgroups', async () => {
    const marker = `drover-escape-${randomBytes(6).toString('hex')}`;
    const cg = await cgroups.createTask('left-by-a-crash');
    const child = cg.spawnInside(() =>
      spawn('bash', ['-c', `exec -a ${marker} sleep 1000`], { detached: true, stdio: 'ignore' }),
    );
    child.unref();
    await until('the leftover running', () => marked(marker).length === 1);
    const again = BotCgroups.setup({
      botId: 'escape-matrix',
      botDir: path.join(root, 'bot'),
      env: {},
    });
    if (!again.ok) throw new Error(again.why);
    const left = await again.cgroups.killLeftovers();
    expect(left).toEqual({ taskIds: ['left-by-a-crash'], stuck: [] });
    expect(marked(marker)).toEqual([]);
    expect(existsSync(cg.dir)).toBe(false);
  });
});

describe('limits on a task cgroup', () => {
  it('ends a payload allocating past memory_limit_bytes as killed by the memory limit, or says the limit was not applied', async () => {
    const chunks: Buffer[] = [];
    const run = startTask({
      taskId: 'memory-hog',
      leaseId: 'l',
      botId: 'bot-e',
      server: '127.0.0.1:9',
      botDir: path.join(root, 'bot'),
      baseEnv: { PATH: process.env.PATH },
      // 256 MiB of zeros held in one shell variable: far past a 32 MiB limit.
      manifest: sh('x=$(head -c 268435456 /dev/zero | tr "\\0" a); echo survived ${#x}', {
        memory_limit_bytes: 32 * 1024 * 1024,
      }),
      onOutput: (b) => chunks.push(b),
      containment,
    });
    const r = await within('the end', run.result, 60_000);
    const output = Buffer.concat(chunks).toString();
    if (cgroups.controllers.has('memory')) {
      expect(r.memoryLimitKilled).toBe(true);
      expect(output).not.toContain('survived');
    } else {
      // A hybrid host (v1 controllers, cgroup2 with none): the limit cannot be applied, and the
      // task's output says so first thing, once.
      console.log('memory controller not delegated here: checked the line saying so instead');
      expect(output.split('\n')[0]).toBe(
        "drover-bot: memory_limit_bytes not applied: this bot's cgroup has no memory controller (it does not advertise limits=memory)",
      );
      expect(r.memoryLimitKilled).toBeUndefined();
      expect(r.outputSize).toBe(Buffer.byteLength(output));
    }
  }, 70_000);

  it('says in the output that a limit was not applied without cgroups', async () => {
    const chunks: Buffer[] = [];
    const run = startTask({
      taskId: 'no-cgroup-limits',
      leaseId: 'l',
      botId: 'bot-e',
      server: '127.0.0.1:9',
      botDir: path.join(root, 'bot'),
      baseEnv: { PATH: process.env.PATH },
      manifest: sh('echo ran', { pids_limit: 10 }),
      onOutput: (b) => chunks.push(b),
      containment: { kind: 'pgroup' },
    });
    const r = await within('the end', run.result, 10_000);
    const output = Buffer.concat(chunks).toString();
    expect(output).toBe(
      'drover-bot: pids_limit not applied: this bot runs tasks without cgroups (containment=pgroup)\nran\n',
    );
    expect(r.outputSize).toBe(Buffer.byteLength(output));
  });
});
