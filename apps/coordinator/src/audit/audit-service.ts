/**
 * ListAudit (service Access): the audit log, newest first, in pages. A server-wide admin sees
 * every entry; an admin of some pools sees the entries of those pools (an entry's pool is the
 * target's: a task's or bot's; entries with no pool, or of several, are the server admins'); anyone
 * else is refused. The dashboard's `/api/audit` answers the same through `listAuditAs`.
 */
import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  PermissionDeniedError,
  msToTimestamp,
  timestampToMs,
  type Timestamp,
  type TimestampOut,
} from '@drover/protocol';
import type { AuditQuery, AuditRecord, AuditStore } from '@drover/state';
import type { Logger } from 'pino';
import { poolsWith, type Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import { authenticate, unary } from '../rpc/grpc-edge';

/** ListAudit's page size when none is asked, and the most one page holds (docs/limits.md). */
export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;
/** The longest principal and action filters (docs/limits.md). */
export const AUDIT_MAX_PRINCIPAL_CHARS = 256;
export const AUDIT_MAX_ACTION_CHARS = 128;

/** An action (`tasks.cancel`) or a prefix ending in `.` (`tasks.`). */
const ACTION_FILTER = /^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/;

/** AuditEntry as the wire carries it. */
export interface AuditEntryWire {
  id: number;
  time: Timestamp | null;
  principal: string;
  peer: string;
  action: string;
  target: string;
  details: string;
  result: string;
  pool: string;
}

export interface ListAuditWire {
  since: TimestampOut | null;
  until: TimestampOut | null;
  principal: string;
  action: string;
  limit: number;
  cursor: string;
}

export interface AuditServiceDeps {
  readonly store: Pick<AuditStore, 'listAudit'>;
  readonly tokens: TokenAuthority;
  readonly log: Logger;
}

export function auditEntryWire(r: AuditRecord): AuditEntryWire {
  return {
    id: r.id,
    time: msToTimestamp(r.timeMs),
    principal: r.principal,
    peer: r.peer,
    action: r.action,
    target: r.target,
    details: r.details,
    result: r.result,
    pool: r.pool,
  };
}

/** The cursor of a page that ends at entry `id`: the entries before it come next. */
export function auditCursor(id: number): string {
  return Buffer.from(`audit:${id}`, 'utf8').toString('base64url');
}

function beforeIdOf(cursor: string): number | undefined {
  if (cursor === '') return undefined;
  const m = /^audit:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const id = m === null ? NaN : Number(m[1]);
  if (!Number.isSafeInteger(id) || auditCursor(id) !== cursor) {
    throw new InvalidArgumentError('cursor', 'not a cursor returned by this server');
  }
  return id;
}

/** The pools whose entries `p` may read: undefined = all; refused when none. */
export function auditPoolsOf(p: Principal): readonly string[] | undefined {
  const pools = poolsWith(p, 'admin');
  if (pools === 'all') return undefined;
  if (pools.length === 0) {
    throw new PermissionDeniedError(
      'the audit log is for admins: a server-wide admin, or an admin of a pool (its entries)',
    );
  }
  return pools;
}

/** A request's filters as a store query, each field checked (INVALID_ARGUMENT names it). */
export function auditQueryOf(
  req: Pick<ListAuditWire, 'principal' | 'action' | 'limit' | 'cursor'> & {
    sinceMs: number | null;
    untilMs: number | null;
  },
  pools: readonly string[] | undefined,
): AuditQuery {
  if (!Number.isInteger(req.limit) || req.limit < 0 || req.limit > AUDIT_MAX_LIMIT) {
    throw new InvalidArgumentError('limit', `0 to ${AUDIT_MAX_LIMIT} (0 = ${AUDIT_DEFAULT_LIMIT})`);
  }
  if (req.principal.length > AUDIT_MAX_PRINCIPAL_CHARS) {
    throw new InvalidArgumentError('principal', `at most ${AUDIT_MAX_PRINCIPAL_CHARS} characters`);
  }
  if (req.action !== '' && !ACTION_FILTER.test(req.action)) {
    throw new InvalidArgumentError(
      'action',
      'an action (tasks.cancel) or a prefix ending in . (tasks.), lowercase',
    );
  }
  if (req.action.length > AUDIT_MAX_ACTION_CHARS) {
    throw new InvalidArgumentError('action', `at most ${AUDIT_MAX_ACTION_CHARS} characters`);
  }
  if (req.sinceMs !== null && req.untilMs !== null && req.untilMs < req.sinceMs) {
    throw new InvalidArgumentError('until', 'must not be before since');
  }
  const beforeId = beforeIdOf(req.cursor);
  return {
    limit: req.limit === 0 ? AUDIT_DEFAULT_LIMIT : req.limit,
    ...(req.sinceMs === null ? {} : { sinceMs: req.sinceMs }),
    ...(req.untilMs === null ? {} : { untilMs: req.untilMs }),
    ...(req.principal === '' ? {} : { principal: req.principal }),
    ...(req.action === '' ? {} : { action: req.action }),
    ...(pools === undefined ? {} : { pools }),
    ...(beforeId === undefined ? {} : { beforeId }),
  };
}

/** A page of the audit log as `p` may read it, newest first; next_cursor '' at the end. */
export async function listAuditAs(
  store: Pick<AuditStore, 'listAudit'>,
  p: Principal,
  query: Omit<AuditQuery, 'pools'>,
): Promise<{ entries: AuditEntryWire[]; next_cursor: string }> {
  const pools = auditPoolsOf(p);
  const q: AuditQuery = { ...query, ...(pools === undefined ? {} : { pools }) };
  // One past the page says whether there is a next one.
  const rows = await store.listAudit({ ...q, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    entries: page.map(auditEntryWire),
    next_cursor: rows.length > q.limit && last !== undefined ? auditCursor(last.id) : '',
  };
}

/** The ListAudit handler, for service Access's map (access-service.ts registers it). */
export function auditHandlers(deps: AuditServiceDeps): grpc.UntypedServiceImplementation {
  const { store, tokens, log } = deps;
  return {
    ListAudit: unary<ListAuditWire, { entries: AuditEntryWire[]; next_cursor: string }>(
      log,
      'ListAudit',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        // Refused before its arguments are judged: a non-admin learns nothing of the log.
        auditPoolsOf(p);
        const query = auditQueryOf(
          {
            ...req,
            sinceMs: timestampToMs(req.since),
            untilMs: timestampToMs(req.until),
          },
          undefined,
        );
        return listAuditAs(store, p, query);
      },
    ),
  };
}
