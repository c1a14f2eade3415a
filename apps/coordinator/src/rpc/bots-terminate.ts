import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '@drover/protocol';
import { propertiesHash, type TaskProperties, type TaskSpec } from '@drover/state';
import { grpcPeer } from '../audit/audit-log';
import { auditedBotAction, type Actor } from '../audit/audited-bot';
import { authenticate, unary } from './grpc-edge';
import { authorizedBot, botPools, type BotsDeps } from './bots-view';

/** Every termination task carries this tag (and `id:<bot>`): CancelTasks and ListTasks find them. */
export const TERMINATE_TAG = 'drover:terminate';

/**
 * How long a termination task waits for its bot (as Swarming: 5 days). It waits for capacity, so
 * terminating a bot that is away is accepted and happens when it is back.
 */
export const TERMINATE_EXPIRATION_SECS = 5 * 24 * 3600;

/** The bot reports a termination task at once; this only bounds the running-task backstop. */
const TERMINATE_EXECUTION_TIMEOUT_SECS = 3600;

/**
 * A bot's termination task: priority 0 (reserved for it), pinned by `id:<bot>` and in the bot's
 * pool (so that whoever may administer the bot there can see and wait on it), nothing to run.
 * When it is dispatched the bot gets Terminate instead of Assign, reports the task COMPLETED
 * exit 0 and exits. The bot takes it only when idle, so it finishes its current task first.
 */
export function terminationSpec(
  botId: string,
  reason: string,
  principal: string,
  pools: readonly string[],
): TaskSpec {
  const properties: TaskProperties = {
    command: [],
    env: [],
    envPrefixes: [],
    relativeCwd: '',
    dimensions: [
      { key: 'id', value: botId },
      ...(pools.length > 0 ? [{ key: 'pool', value: pools.join('|') }] : []),
    ],
    executionTimeoutSecs: TERMINATE_EXECUTION_TIMEOUT_SECS,
    ioTimeoutSecs: 0,
    gracePeriodSecs: 30,
    idempotent: false,
  };
  return {
    name: 'terminate',
    priority: 0,
    tags: [TERMINATE_TAG, `id:${botId}`],
    user: principal,
    authenticated: principal,
    requestUuid: '',
    parentTaskId: '',
    slices: [
      {
        properties,
        propertiesHash: propertiesHash(properties),
        expirationSecs: TERMINATE_EXPIRATION_SECS,
        waitForCapacity: true,
      },
    ],
    terminate: { reason },
  };
}

/**
 * TerminateBot as a function of the caller: needs `admin` in the bot's pools; resolves with the
 * termination task id; audited (bots.terminate). A second request while the bot's termination task is PENDING or RUNNING
 * returns that task (requests for one bot are handled one at a time by one terminator).
 */
export function botTerminator(
  deps: Pick<BotsDeps, 'engine' | 'store' | 'dispatcher' | 'log' | 'audit'>,
): (actor: Actor, botId: string, reasonText: string) => Promise<string> {
  const { engine, store, dispatcher, log } = deps;
  const inFlight = new Map<string, Promise<string>>();

  async function terminate(
    botId: string,
    reason: string,
    principal: string,
    pools: readonly string[],
  ): Promise<string> {
    const existing =
      dispatcher.terminationOf(botId) ??
      (
        await store.listTasks(
          { tags: [TERMINATE_TAG, `id:${botId}`], states: ['PENDING', 'RUNNING'] },
          { limit: 1 },
        )
      ).tasks[0]?.id;
    if (existing !== undefined) {
      log.info({ botId, taskId: existing }, 'termination already requested');
      return existing;
    }
    const { task } = await engine.submit(terminationSpec(botId, reason, principal, pools));
    log.info({ botId, taskId: task.id, reason }, 'bot termination requested');
    return task.id;
  }

  const audited = (actor: Actor, botId: string, reasonText: string) =>
    auditedBotAction(
      deps,
      actor,
      'bots.terminate',
      botId,
      { reason: reasonText },
      () => request(actor, botId, reasonText),
      (taskId) => ({ task_id: taskId }),
    );

  const request = async ({ principal: p }: Actor, botId: string, reasonText: string) => {
    const reason = reasonText.trim();
    if (reason.length > 1024) throw new InvalidArgumentError('reason', 'at most 1024 characters');
    const bot = await authorizedBot(store, p, botId, 'admin');
    const pools = botPools(bot.dimensions);
    const before = inFlight.get(botId) ?? Promise.resolve('');
    const mine = before
      .catch(() => '')
      .then(() =>
        terminate(botId, reason === '' ? `terminated by ${p.name}` : reason, p.name, pools),
      );
    inFlight.set(botId, mine);
    try {
      return await mine;
    } finally {
      if (inFlight.get(botId) === mine) inFlight.delete(botId);
    }
  };
  return audited;
}

/** TerminateBot (see botTerminator). */
export function botsTerminateHandlers(deps: BotsDeps): grpc.UntypedServiceImplementation {
  const { tokens, log } = deps;
  const terminate = botTerminator(deps);
  return {
    TerminateBot: unary<{ bot_id: string; reason: string }, { task_id: string }>(
      log,
      'TerminateBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        return {
          task_id: await terminate({ principal: p, peer: grpcPeer(call) }, req.bot_id, req.reason),
        };
      },
    ),
  };
}
