import type * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError } from '@drover/protocol';
import type { BotAdminState } from '@drover/state';
import type { Principal } from '../auth/principal';
import { auditedBotAction, type Actor } from '../audit/audited-bot';
import { grpcPeer } from '../audit/audit-log';
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
/** Stores an admin change and makes the registry and the dispatcher follow it; the new BotInfo. */
export async function applyBotAdmin(
  deps: BotsDeps,
  botId: string,
  patch: Partial<BotAdminState>,
): Promise<BotInfoWire> {
  const { store, dispatcher, registry, log, clock } = deps;
  const updated = await store.setBotAdmin(botId, patch);
  if (updated === undefined) throw new FailedPreconditionError(`bot ${botId} was just deleted`);
  registry.setAdmin(botId, updated.admin);
  // The dispatcher judges from the registry whether the bot now takes tasks.
  if (registry.isConnected(botId)) dispatcher.botReady(botId);
  log.info({ botId, admin: updated.admin }, 'bot admin state changed');
  return (await viewBot(deps, updated, clock())).info;
}

/** QuarantineBot as `actor` (admin in the bot's pools): stored, applied, recorded, audited. */
export function quarantineBot(
  deps: BotsDeps,
  actor: Actor,
  botId: string,
  reasonText: string,
): Promise<BotInfoWire> {
  const details = { reason: reasonText };
  return auditedBotAction(deps, actor, 'bots.quarantine', botId, details, () =>
    quarantine(deps, actor.principal, botId, reasonText),
  );
}

async function quarantine(
  deps: BotsDeps,
  p: Principal,
  botId: string,
  reasonText: string,
): Promise<BotInfoWire> {
  const reason = checkText('reason', reasonText.trim());
  await authorizedBot(deps.store, p, botId, 'admin');
  const why = reason === '' ? `quarantined by ${p.name}` : reason;
  const info = await applyBotAdmin(deps, botId, { quarantinedReason: why });
  await deps.botEvents.record(botId, 'quarantined', why);
  return info;
}

/** UnquarantineBot as `actor` (admin in the bot's pools); audited. */
export function unquarantineBot(deps: BotsDeps, actor: Actor, botId: string): Promise<BotInfoWire> {
  return auditedBotAction(deps, actor, 'bots.unquarantine', botId, {}, () =>
    unquarantine(deps, actor.principal, botId),
  );
}

async function unquarantine(deps: BotsDeps, p: Principal, botId: string): Promise<BotInfoWire> {
  await authorizedBot(deps.store, p, botId, 'admin');
  const info = await applyBotAdmin(deps, botId, { quarantinedReason: '' });
  await deps.botEvents.record(botId, 'unquarantined', `unquarantined by ${p.name}`);
  return info;
}

/** SetMaintenance as `actor` (admin in the bot's pools): stored, applied, recorded, audited. */
export function setBotMaintenance(
  deps: BotsDeps,
  actor: Actor,
  botId: string,
  enabled: boolean,
  messageText: string,
): Promise<BotInfoWire> {
  const details = { enabled, message: messageText };
  return auditedBotAction(deps, actor, 'bots.maintenance', botId, details, () =>
    maintenance(deps, actor.principal, botId, enabled, messageText),
  );
}

async function maintenance(
  deps: BotsDeps,
  p: Principal,
  botId: string,
  enabled: boolean,
  messageText: string,
): Promise<BotInfoWire> {
  const message = checkText('message', messageText.trim());
  await authorizedBot(deps.store, p, botId, 'admin');
  const info = await applyBotAdmin(deps, botId, {
    maintenance: enabled,
    maintenanceMsg: enabled ? message : '',
  });
  await deps.botEvents.record(
    botId,
    'maintenance',
    enabled ? `on: ${message === '' ? `set by ${p.name}` : message}` : 'off',
  );
  return info;
}

/** DeleteBot as `actor` (admin in the bot's pools); a connected bot only with `force`; audited. */
export function deleteBot(
  deps: BotsDeps,
  actor: Actor,
  botIdText: string,
  force: boolean,
): Promise<{ deleted: boolean }> {
  return auditedBotAction(
    deps,
    actor,
    'bots.delete',
    botIdText,
    { force },
    () => deleteOne(deps, actor.principal, botIdText, force),
    (out) => ({ deleted: out.deleted }),
  );
}

async function deleteOne(
  deps: BotsDeps,
  p: Principal,
  botIdText: string,
  force: boolean,
): Promise<{ deleted: boolean }> {
  const { store, registry, dispatcher, log, botEvents } = deps;
  const botId = requireBotId(botIdText);
  const bot = await authorizedBot(store, p, botId, 'admin');
  if (registry.isConnectedAnywhere(botId) && !force) {
    throw new FailedPreconditionError(`bot ${botId} is connected; use force`);
  }
  // Forget first, so the closing session does not store the bot again.
  const session = registry.forget(botId);
  dispatcher.botGone(botId);
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
}

export function botsAdminHandlers(deps: BotsDeps): grpc.UntypedServiceImplementation {
  const { tokens, log } = deps;

  return {
    QuarantineBot: unary<{ bot_id: string; reason: string }, BotInfoWire>(
      log,
      'QuarantineBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        return quarantineBot(deps, { principal: p, peer: grpcPeer(call) }, req.bot_id, req.reason);
      },
    ),

    UnquarantineBot: unary<{ bot_id: string }, BotInfoWire>(
      log,
      'UnquarantineBot',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        return unquarantineBot(deps, { principal: p, peer: grpcPeer(call) }, req.bot_id);
      },
    ),

    SetMaintenance: unary<{ bot_id: string; enabled: boolean; message: string }, BotInfoWire>(
      log,
      'SetMaintenance',
      async (req, call) =>
        setBotMaintenance(
          deps,
          { principal: authenticate(tokens, call.metadata, 'client'), peer: grpcPeer(call) },
          req.bot_id,
          req.enabled,
          req.message,
        ),
    ),

    DeleteBot: unary<{ bot_id: string; force: boolean }, { deleted: boolean }>(
      log,
      'DeleteBot',
      async (req, call) =>
        deleteBot(
          deps,
          { principal: authenticate(tokens, call.metadata, 'client'), peer: grpcPeer(call) },
          req.bot_id,
          req.force,
        ),
    ),
  };
}
