import type { UpdateOut } from '@drover/protocol';
import type { Logger } from 'pino';
import type { FetchOutcome } from './fetch-code';
import {
  BAD_VERSION_BACKOFF_MS,
  installPack,
  recentlyBad,
  switchTo,
  type InstallOutcome,
} from './layout';

/** What the updater needs of the session (session.ts). */
export interface UpdatableSession {
  /** Holds no task (none running, no result waiting for its Ack). */
  isIdle(): boolean;
  /** A reason not to take tasks, said on a heartbeat now ('' clears it). */
  setUpdating(reason: string): void;
  /** Leave (no task is held): the launcher starts the new version. */
  stopForUpdate(): void;
}

export interface UpdaterOptions {
  /** The version this process runs. */
  readonly currentVersion: string;
  /** The launcher layout's root; undefined: this bot cannot replace itself. */
  readonly root: string | undefined;
  readonly fetch: (update: UpdateOut) => Promise<FetchOutcome>;
  readonly log: Logger;
  readonly clock?: () => number;
  /** A version whose fetch or install failed is not tried again in this process for this long. */
  readonly retryAfterMs?: number;
}

export type UpdaterState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'fetching'; readonly version: string }
  /** Installed; switches once the bot holds no task. */
  | { readonly kind: 'installed'; readonly version: string }
  | { readonly kind: 'switched'; readonly version: string; readonly from: string | undefined };

/**
 * Bot self-update, the bot's half (the coordinator sends Update; see README "Adding a worker
 * machine"): on Update, unless that version failed lately, say "updating" on a heartbeat (no new
 * tasks), fetch the code, check it, unpack it into versions/<version>/; once the bot holds no
 * task, point `current` at it and leave, and main exits with EXIT_CODES.updated for the launcher
 * to start it. A task that was assigned meanwhile runs to its end first. A failed fetch clears
 * the "updating" reason and the bot goes on as it was.
 */
export class BotUpdater {
  private current: UpdaterState = { kind: 'idle' };
  private session: UpdatableSession | undefined;
  private readonly failed = new Map<string, number>();
  private warnedNoLauncher = false;
  private readonly log: Logger;

  constructor(private readonly o: UpdaterOptions) {
    this.log = o.log.child({ component: 'updater' });
  }

  get state(): UpdaterState {
    return this.current;
  }

  attach(session: UpdatableSession): void {
    this.session = session;
  }

  /** The coordinator asked for `update.version`. */
  onUpdate(update: UpdateOut): void {
    void this.handle(update).catch((err: unknown) => {
      this.log.error({ err, version: update.version }, 'bot update failed');
      this.setState({ kind: 'idle' });
      this.session?.setUpdating('');
    });
  }

  /** The bot holds no task any more: an installed update may switch now. */
  onIdle(): void {
    if (this.current.kind === 'installed') void this.switchWhenIdle(this.current.version);
  }

  private async handle(update: UpdateOut): Promise<void> {
    const version = update.version;
    if (version === this.o.currentVersion || this.current.kind !== 'idle') return;
    const root = this.o.root;
    if (root === undefined) {
      if (!this.warnedNoLauncher)
        this.log.warn(
          { version, running: this.o.currentVersion },
          'the coordinator serves other bot code, but this bot was not started by the launcher; not updating',
        );
      this.warnedNoLauncher = true;
      return;
    }
    const now = (this.o.clock ?? Date.now)();
    const bad = await recentlyBad(root, version, now);
    if (bad !== undefined) {
      this.log.warn(
        {
          version,
          failedAtMs: bad.markedAtMs,
          reason: bad.reason,
          retryAtMs: bad.markedAtMs + BAD_VERSION_BACKOFF_MS,
        },
        'update declined: that version failed to connect lately',
      );
      return;
    }
    const failedAt = this.failed.get(version);
    if (failedAt !== undefined && now - failedAt < (this.o.retryAfterMs ?? 600_000)) {
      this.log.info({ version }, 'update declined: fetching that version failed lately');
      return;
    }
    this.setState({ kind: 'fetching', version });
    this.session?.setUpdating(`updating to ${version}`);
    const fetched = await this.o.fetch(update);
    const installed: InstallOutcome = fetched.ok
      ? await installPack(root, fetched.pack, update.sha256)
      : { kind: 'refused', reason: fetched.reason };
    if (installed.kind === 'refused') {
      this.failed.set(version, (this.o.clock ?? Date.now)());
      this.log.error(
        { version, reason: installed.reason },
        'bot update failed: taking tasks again',
      );
      this.setState({ kind: 'idle' });
      this.session?.setUpdating('');
      return;
    }
    this.log.info({ version, dir: installed.dir, bytes: update.size }, 'bot code fetched');
    this.setState({ kind: 'installed', version });
    await this.switchWhenIdle(version);
  }

  private async switchWhenIdle(version: string): Promise<void> {
    const session = this.session;
    if (session === undefined || !session.isIdle()) {
      this.log.info({ version }, 'update waits for the running task to end');
      return;
    }
    if (this.current.kind !== 'installed') return;
    const root = this.o.root!;
    this.setState({ kind: 'switched', version, from: this.o.currentVersion });
    const was = await switchTo(root, version);
    this.log.info({ version, from: was }, 'switched to the new bot code; restarting');
    session.stopForUpdate();
  }

  private setState(next: UpdaterState): void {
    const from = this.current.kind;
    this.current = next;
    if (from !== next.kind) this.log.debug({ from, to: next.kind }, 'updater state changed');
  }
}
