import { InvalidArgumentError } from '@drover/protocol';
import type { AuditStore } from '@drover/state';
import { auditPoolsOf, auditQueryOf, listAuditAs } from '../audit/audit-service';
import type { ApiRoute } from './api-route';
import { intParam, sendMessage } from './http-json';

/** A time bound: RFC 3339 or ms since the epoch; absent or '' = none. */
function timeParam(query: URLSearchParams, name: string): number | null {
  const raw = (query.get(name) ?? '').trim();
  if (raw === '') return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(name, `not a time (RFC 3339 or ms): ${JSON.stringify(raw)}`);
  }
  return ms;
}

/**
 * `GET /api/audit`: the audit log as ListAudit answers it (a ListAuditResponse in canonical JSON),
 * to the same callers (server-wide admins all of it, pool admins their pools' entries, others
 * 403), with its filters as query parameters: `since`, `until` (RFC 3339 or ms), `principal`,
 * `action` (or a prefix ending in `.`), `limit`, `cursor`.
 */
export function auditRoutes(deps: { readonly store: Pick<AuditStore, 'listAudit'> }): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/audit$/,
      async handle({ res, principal, query }) {
        // Refused before its arguments are judged: a non-admin learns nothing of the log.
        auditPoolsOf(principal);
        const q = auditQueryOf(
          {
            sinceMs: timeParam(query, 'since'),
            untilMs: timeParam(query, 'until'),
            principal: (query.get('principal') ?? '').trim(),
            action: (query.get('action') ?? '').trim(),
            limit: intParam(query, 'limit', 0, Number.MAX_SAFE_INTEGER),
            cursor: query.get('cursor') ?? '',
          },
          undefined,
        );
        sendMessage(res, 'ListAuditResponse', await listAuditAs(deps.store, principal, q));
      },
    },
  ];
}
