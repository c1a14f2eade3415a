import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import path from 'node:path';
import { EXIT_CODES } from '../exit-codes';
import { BOT_CODE_FILES, markBad, pointerVersion, rollBack, versionsDir } from './layout';

/**
 * The launcher: what systemd runs (`node <root>/launcher.js --config …`). It starts the bot code
 * `<root>/current` points at, passing its arguments on, forwards SIGTERM/SIGINT/SIGHUP to it and
 * exits with its exit code — except after an update (exit EXIT_CODES.updated: the bot switched
 * `current`), when it starts the new version on probation: unless that one connects (its first
 * Welcome, said over the IPC channel) within `readyTimeoutMs`, it is stopped, marked bad
 * (bad-versions.json: the bot declines it for an hour) and `current` goes back to `previous`,
 * which is started again.
 *
 *   start(current) ──exit 7──▶ start(current) on probation ──ready──▶ running as usual
 *                                   └─exit / no ready in time─▶ mark bad, current = previous, start
 */

export type LauncherLogLevel = 'info' | 'warn' | 'error';

export interface LauncherOptions {
  readonly root: string;
  /** Passed to the bot as they are. */
  readonly args: readonly string[];
  readonly nodePath: string;
  readonly env: NodeJS.ProcessEnv;
  /** How long a new version has to connect. @default 120_000 */
  readonly readyTimeoutMs?: number;
  /** After SIGTERM to a version that did not connect in time, SIGKILL after this. @default 10_000 */
  readonly killAfterMs?: number;
  readonly log: (level: LauncherLogLevel, fields: Record<string, unknown>, msg: string) => void;
  readonly clock?: () => number;
}

interface ChildEnd {
  readonly code: number;
  readonly ready: boolean;
  readonly timedOut: boolean;
}

export class Launcher {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly o: LauncherOptions) {}

  /** A stop signal: passed to the bot; no restart after it exits. */
  signal(signal: NodeJS.Signals): void {
    this.stopping = true;
    this.o.log('info', { signal, pid: this.child?.pid }, 'signal passed to the bot');
    this.child?.kill(signal);
  }

  /** Runs bots until one exits for good; resolves with the exit code to exit with. */
  async run(): Promise<number> {
    let probation: { readonly from: string | undefined } | undefined;
    for (;;) {
      if (this.stopping) return EXIT_CODES.ok;
      const version = await pointerVersion(this.o.root, 'current');
      if (version === undefined) {
        this.o.log('error', { root: this.o.root }, 'no bot code: <root>/current is missing');
        return EXIT_CODES.usage;
      }
      const end = await this.runOnce(version, probation !== undefined);
      if (this.stopping) return end.code;
      if (probation !== undefined && !end.ready) {
        const reason = end.timedOut
          ? `did not connect within ${this.readyTimeoutMs()} ms`
          : `exited with ${end.code} before it connected`;
        await markBad(this.o.root, version, reason, (this.o.clock ?? Date.now)());
        const back = await rollBack(this.o.root);
        this.o.log(
          'error',
          { version, reason, fallback: back },
          'new bot code failed; falling back',
        );
        if (back === undefined || back === version) return end.code;
        probation = undefined;
        continue;
      }
      if (end.code !== EXIT_CODES.updated) return end.code;
      probation = { from: version };
      this.o.log('info', { from: version }, 'the bot updated itself; starting the new version');
    }
  }

  private async runOnce(version: string, onProbation: boolean): Promise<ChildEnd> {
    const file = path.join(versionsDir(this.o.root), version, BOT_CODE_FILES.bot);
    const child = spawn(this.o.nodePath, [file, ...this.o.args], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: this.o.env,
    });
    this.child = child;
    this.o.log('info', { version, pid: child.pid, probation: onProbation }, 'bot started');
    let ready = false;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    child.on('message', (m: unknown) => {
      if ((m as { kind?: unknown } | null)?.kind !== 'ready' || ready) return;
      ready = true;
      clearTimeout(timer);
      if (onProbation) this.o.log('info', { version }, 'new bot code connected; keeping it');
    });
    if (onProbation) {
      timer = setTimeout(() => {
        if (ready) return;
        timedOut = true;
        this.o.log('warn', { version }, 'new bot code did not connect in time; stopping it');
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), this.o.killAfterMs ?? 10_000);
      }, this.readyTimeoutMs());
    }
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      const exitCode = code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
      this.o.log('info', { version, exitCode, signal }, 'bot exited');
      return { code: exitCode, ready, timedOut };
    } finally {
      clearTimeout(timer);
      clearTimeout(killTimer);
      this.child = undefined;
    }
  }

  private readyTimeoutMs(): number {
    return this.o.readyTimeoutMs ?? 120_000;
  }
}
