import type * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError } from '@drover/protocol';
import type { BotAdminState } from '@drover/state';
import { authenticate, unary } from './grpc-edge';
import { authorizedBot, requireBotId, viewBot, type BotInfoWire, type BotsDeps } from './bots-view';

/** Longest quarantine reason or maintenance message kept. */
const MAX_MESSAGE_CHARS = 1024;

function checkText(field: string, text: string): string {
  if (text.length > MAX_MESSAGE_CHARS) {
    throw new InvalidArgumentError(field, `at most ${MAX_MESSAGE_CHARS} characters`);
  }
  return text;
}

/**
 * QuarantineBot, UnquarantineBot, SetMaintenance and DeleteBot (DESIGN.md §4); each needs `admin`
 * in the bot's pools. A quarantined or in-maintenance bot gets no task and is not capacity; the
 * task it runs finishes (Swarming semantics). Each change is stored, then applied to the
 * registry and the dispatcher, then recorded as a bot event.
 */
export function botsAdminHandlers(deps: BotsDeps): grpc.UntypedServiceImplementation {
  const { engine, registry, tokens, log, clock, botEvents } = deps;
  const store = engine.store;

  /** Stores the admin change and makes the dispatcher follow it; returns the new BotInfo. */
  async function applyAdmin(botId: string, patch: Partial<BotAdminState>): Promise<BotInfoWire> {
    const updated = await store.setBotAdmin(botId, patch);
    if (updated === undefined) throw new FailedPreconditionError(`bot ${botId} was just deleted`);
    const available = registry.setAdmin(botId, updated.admin);
    if (!available) {
      engine.botUnavailable(botId);
    } else if (!engine.isBotBusy(botId)) {
      const dims = registry.dimensionsOf(botId);
      if (dims !== undefined) engine.botIdle(botId, dims);
    }
    log.info({ botId, admin: updated.admin }, 'bot admin state changed');
    return (await viewBot(deps, updated, clock())).info;
  }

  return {
    QuarantineBot: unary<{ bot_id: string; reason: string }, BotInfoWire>(
      log,
      'QuarantineBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        const reason = checkText('reason', req.reason.trim());
        await authorizedBot(store, p, req.bot_id, 'admin');
        const why = reason === '' ? `quarantined by ${p.name}` : reason;
        const info = await applyAdmin(req.bot_id, { quarantinedReason: why });
        await botEvents.record(req.bot_id, 'quarantined', why);
        return info;
      },
    ),

    UnquarantineBot: unary<{ bot_id: string }, BotInfoWire>(
      log,
      'UnquarantineBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        await authorizedBot(store, p, req.bot_id, 'admin');
        const info = await applyAdmin(req.bot_id, { quarantinedReason: '' });
        await botEvents.record(req.bot_id, 'unquarantined', `unquarantined by ${p.name}`);
        return info;
      },
    ),

    SetMaintenance: unary<{ bot_id: string; enabled: boolean; message: string }, BotInfoWire>(
      log,
      'SetMaintenance',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        const message = checkText('message', req.message.trim());
        await authorizedBot(store, p, req.bot_id, 'admin');
        const info = await applyAdmin(req.bot_id, {
          maintenance: req.enabled,
          maintenanceMsg: req.enabled ? message : '',
        });
        await botEvents.record(
          req.bot_id,
          'maintenance',
          req.enabled ? `on: ${message === '' ? `set by ${p.name}` : message}` : 'off',
        );
        return info;
      },
    ),

    DeleteBot: unary<{ bot_id: string; force: boolean }, { deleted: boolean }>(
      log,
      'DeleteBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        const botId = requireBotId(req.bot_id);
        const bot = await authorizedBot(store, p, botId, 'admin');
        if (registry.isConnected(botId) && !req.force) {
          throw new FailedPreconditionError(`bot ${botId} is connected; use force`);
        }
        // Forget first, so the closing session does not store the bot again.
        const session = registry.forget(botId);
        engine.botUnavailable(botId);
        session?.close(`deleted by ${p.name}`);
        const deleted = await store.deleteBot(botId);
        log.info({ botId, forced: session !== undefined }, 'bot deleted');
        await botEvents.record(
          botId,
          'deleted',
          `deleted by ${p.name}${session !== undefined ? ' (was connected)' : ''}`,
          { dimensions: bot.dimensions },
        );
        return { deleted };
      },
    ),
  };
}
