/**
 * Service Access (access.proto): tokens, principals and bot groups managed live, for server-wide
 * admins only (a principal with `admin: true`, or the `admin` role on pool `*`; anyone else:
 * PERMISSION_DENIED). Each change is written to the store, applied here before the answer
 * (LiveAccess.reload) and on every other replica through the change feed; each is audited
 * (access.token.create, access.token.revoke, access.principal.put, …), refused or not. The tokens
 * file's entries are listed read-only and cannot be changed here (FAILED_PRECONDITION); a token
 * is shown once, when created: only its hash is stored.
 */
import type * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  hashToken,
  newToken,
  type AccessBotGroupOut,
  type AccessPrincipalOut,
  type AccessToken,
  type CreateTokenRequestOut,
  type CreateTokenResponse,
  type DeleteAccessRequestOut,
  type DeleteAccessResponse,
  type ListBotGroupsResponse,
  type ListPrincipalsResponse,
  type ListTokensRequestOut,
  type ListTokensResponse,
  type RevokeTokenRequestOut,
} from '@drover/protocol';
import type { AccessStore, AccessTokenRecord } from '@drover/state';
import type { Logger } from 'pino';
import { audited, grpcPeer, type AuditLog } from '../audit/audit-log';
import { can, type Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import { authenticate, unary } from '../rpc/grpc-edge';
import {
  FILE_TOKEN_ID,
  TOKEN_ID,
  checkBotIds,
  checkDescription,
  checkForcedDimensions,
  checkKind,
  checkName,
  checkPoolRoles,
  checkTtlSeconds,
} from './access-input';
import {
  fileGroupsWire,
  filePrincipalsWire,
  fileTokensWire,
  groupWire,
  principalWire,
  tokenWire,
} from './access-wire';
import type { LiveAccess } from './live-access';

export interface AccessDeps {
  readonly store: AccessStore;
  readonly tokens: TokenAuthority;
  /** Applies a write here before the answer. */
  readonly live: Pick<LiveAccess, 'reload'>;
  readonly audit: AuditLog;
  readonly clock: () => number;
  readonly log: Logger;
}

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** The caller: a client principal (UNAUTHENTICATED / PERMISSION_DENIED for a bot token). */
function callerOf(deps: AccessDeps, call: Call): Principal {
  return authenticate(deps.tokens, call.metadata, 'client');
}

function requireAdmin(p: Principal): void {
  if (!can(p, 'admin', [])) {
    throw new PermissionDeniedError(
      'service Access needs a server-wide admin (admin: true, or the admin role on pool *)',
    );
  }
}

/** `tok-` and 16 random hex characters. */
function newTokenId(): string {
  return `tok-${randomBytes(8).toString('hex')}`;
}

function readOnly(what: string, name: string): never {
  throw new FailedPreconditionError(
    `name: ${what} ${name} is defined in the tokens file (read-only): change it there`,
  );
}

async function createToken(
  deps: AccessDeps,
  caller: Principal,
  req: CreateTokenRequestOut,
): Promise<CreateTokenResponse> {
  requireAdmin(caller);
  const kind = checkKind('kind', req.kind);
  const subject = checkName('subject', req.subject);
  const description = checkDescription('description', req.description);
  const scope = checkPoolRoles('scope', req.scope);
  if (kind === 'bot_group' && Object.keys(scope).length > 0) {
    throw new InvalidArgumentError('scope', 'only principal tokens are scoped');
  }
  const ttlSeconds = checkTtlSeconds('ttl_seconds', req.ttl_seconds);
  if (!deps.tokens.inFile(kind, subject)) {
    const names =
      kind === 'principal'
        ? (await deps.store.listPrincipals()).map((p) => p.name)
        : (await deps.store.listBotGroups()).map((g) => g.name);
    if (!names.includes(subject)) {
      throw new InvalidArgumentError(
        'subject',
        `no ${kind === 'principal' ? 'principal' : 'bot group'} named ${subject}`,
      );
    }
  }
  const secret = newToken(kind === 'principal' ? 'client' : 'bot');
  const nowMs = deps.clock();
  for (let attempt = 0; attempt < 3; attempt++) {
    const record: AccessTokenRecord = {
      id: newTokenId(),
      hash: hashToken(secret),
      kind,
      subject,
      description,
      scope,
      createdMs: nowMs,
      createdBy: caller.name,
      expiresMs: ttlSeconds === 0 ? 0 : nowMs + ttlSeconds * 1000,
      revokedMs: 0,
      revokedBy: '',
      lastUsedMs: 0,
    };
    if (await deps.store.insertAccessToken(record)) {
      await deps.live.reload();
      deps.log.info({ tokenId: record.id, kind, subject, by: caller.name }, 'token created');
      return { token: tokenWire(record, 0), secret };
    }
  }
  throw new Error('three token ids in a row were taken');
}

async function listTokens(
  deps: AccessDeps,
  caller: Principal,
  req: ListTokensRequestOut,
): Promise<ListTokensResponse> {
  requireAdmin(caller);
  const subject = req.subject === '' ? '' : checkName('subject', req.subject);
  const nowMs = deps.clock();
  const stored = (await deps.store.listAccessTokens()).filter(
    (t) =>
      (subject === '' || t.subject === subject) &&
      (req.include_inactive || (t.revokedMs === 0 && (t.expiresMs === 0 || t.expiresMs > nowMs))),
  );
  const fromFile = fileTokensWire(deps.tokens.file).filter(
    (t) => subject === '' || t.subject === subject,
  );
  return {
    tokens: [
      ...fromFile,
      ...stored.map((t): AccessToken => tokenWire(t, deps.tokens.lastUsedMs(t.id))),
    ],
  };
}

async function revokeToken(
  deps: AccessDeps,
  caller: Principal,
  req: RevokeTokenRequestOut,
): Promise<AccessToken> {
  requireAdmin(caller);
  if (FILE_TOKEN_ID.test(req.id)) {
    throw new FailedPreconditionError(
      `id: ${req.id} is a token of the tokens file (read-only): remove its hash from that file`,
    );
  }
  if (!TOKEN_ID.test(req.id)) {
    throw new InvalidArgumentError('id', 'must be tok- and 16 hex characters (drover token list)');
  }
  const revoked = await deps.store.revokeAccessToken(req.id, deps.clock(), caller.name);
  if (revoked === undefined) throw new NotFoundError(`token ${req.id}`);
  await deps.live.reload();
  deps.log.info({ tokenId: req.id, by: caller.name }, 'token revoked');
  return tokenWire(revoked, deps.tokens.lastUsedMs(revoked.id));
}

async function putPrincipal(
  deps: AccessDeps,
  caller: Principal,
  req: AccessPrincipalOut,
): Promise<AccessPrincipalOut> {
  requireAdmin(caller);
  const name = checkName('name', req.name);
  const roles = checkPoolRoles('roles', req.roles);
  const description = checkDescription('description', req.description);
  if (deps.tokens.inFile('principal', name)) readOnly('principal', name);
  const stored = {
    name,
    admin: req.admin,
    roles,
    description,
    updatedMs: deps.clock(),
    updatedBy: caller.name,
  };
  await deps.store.putPrincipal(stored);
  await deps.live.reload();
  return principalWire(stored) as AccessPrincipalOut;
}

async function putBotGroup(
  deps: AccessDeps,
  caller: Principal,
  req: AccessBotGroupOut,
): Promise<AccessBotGroupOut> {
  requireAdmin(caller);
  const name = checkName('name', req.name);
  const botIds = checkBotIds('bot_ids', req.bot_ids);
  const dimensions = checkForcedDimensions('dimensions', req.dimensions);
  const description = checkDescription('description', req.description);
  if (deps.tokens.inFile('bot_group', name)) readOnly('bot group', name);
  const stored = {
    name,
    botIds,
    dimensions,
    description,
    updatedMs: deps.clock(),
    updatedBy: caller.name,
  };
  await deps.store.putBotGroup(stored);
  await deps.live.reload();
  return groupWire(stored) as AccessBotGroupOut;
}

async function deleteSubject(
  deps: AccessDeps,
  caller: Principal,
  kind: 'principal' | 'bot_group',
  req: DeleteAccessRequestOut,
): Promise<DeleteAccessResponse> {
  requireAdmin(caller);
  const name = checkName('name', req.name);
  const what = kind === 'principal' ? 'principal' : 'bot group';
  if (deps.tokens.inFile(kind, name)) readOnly(what, name);
  const nowMs = deps.clock();
  const out =
    kind === 'principal'
      ? await deps.store.deletePrincipal(name, nowMs, caller.name)
      : await deps.store.deleteBotGroup(name, nowMs, caller.name);
  if (!out.deleted) throw new NotFoundError(`${what} ${name}`);
  await deps.live.reload();
  deps.log.info({ kind, name, tokens: out.tokens, by: caller.name }, 'access subject deleted');
  return { tokens: out.tokens };
}

/** The mutating methods: authenticated, then run and audited (ok or the refusal). */
function auditedUnary<Req, Res>(
  deps: AccessDeps,
  method: string,
  action: string,
  target: (req: Req) => string,
  details: (req: Req) => Readonly<Record<string, unknown>>,
  run: (caller: Principal, req: Req) => Promise<Res>,
  describe?: (res: Res) => { target?: string },
): grpc.handleUnaryCall<Req, Res> {
  return unary(deps.log, method, async (req: Req, call) => {
    const caller = callerOf(deps, call as Call);
    return audited(
      deps.audit,
      {
        principal: caller,
        peer: grpcPeer(call),
        action,
        target: target(req),
        details: details(req),
      },
      () => run(caller, req),
      describe,
    );
  });
}

function poolsOf(roles: Readonly<Record<string, { readonly roles: readonly string[] }>>) {
  return Object.fromEntries(Object.entries(roles).map(([pool, r]) => [pool, r.roles]));
}

/**
 * The handler map for grpc.Server#addService (and the Connect bridge). ListAudit is not here: it
 * is the audit log's (audit/), spread beside these where the service is registered.
 */
export function accessHandlers(deps: AccessDeps): grpc.UntypedServiceImplementation {
  const log = deps.log;
  const read = <Req, Res>(method: string, fn: (caller: Principal, req: Req) => Promise<Res>) =>
    unary<Req, Res>(log, method, async (req, call) => fn(callerOf(deps, call as Call), req));
  return {
    CreateToken: auditedUnary<CreateTokenRequestOut, CreateTokenResponse>(
      deps,
      'CreateToken',
      'access.token.create',
      (req) => req.subject,
      (req) => ({
        kind: req.kind,
        subject: req.subject,
        description: req.description,
        scope: poolsOf(req.scope),
        ttl_seconds: req.ttl_seconds,
      }),
      (caller, req) => createToken(deps, caller, req),
      (res) => ({ target: res.token?.id ?? '' }),
    ),
    ListTokens: read<ListTokensRequestOut, ListTokensResponse>('ListTokens', (caller, req) =>
      listTokens(deps, caller, req),
    ),
    RevokeToken: auditedUnary<RevokeTokenRequestOut, AccessToken>(
      deps,
      'RevokeToken',
      'access.token.revoke',
      (req) => req.id,
      () => ({}),
      (caller, req) => revokeToken(deps, caller, req),
    ),
    PutPrincipal: auditedUnary<AccessPrincipalOut, AccessPrincipalOut>(
      deps,
      'PutPrincipal',
      'access.principal.put',
      (req) => req.name,
      (req) => ({ admin: req.admin, roles: poolsOf(req.roles), description: req.description }),
      (caller, req) => putPrincipal(deps, caller, req),
    ),
    ListPrincipals: read<unknown, ListPrincipalsResponse>('ListPrincipals', async (caller) => {
      requireAdmin(caller);
      const stored = await deps.store.listPrincipals();
      return {
        principals: [
          ...filePrincipalsWire(deps.tokens.file),
          ...stored
            .filter((p) => !deps.tokens.inFile('principal', p.name))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map(principalWire),
        ],
      };
    }),
    DeletePrincipal: auditedUnary<DeleteAccessRequestOut, DeleteAccessResponse>(
      deps,
      'DeletePrincipal',
      'access.principal.delete',
      (req) => req.name,
      () => ({}),
      (caller, req) => deleteSubject(deps, caller, 'principal', req),
    ),
    PutBotGroup: auditedUnary<AccessBotGroupOut, AccessBotGroupOut>(
      deps,
      'PutBotGroup',
      'access.group.put',
      (req) => req.name,
      (req) => ({
        bot_ids: req.bot_ids,
        dimensions: Object.fromEntries(req.dimensions.map((d) => [d.key, d.values])),
        description: req.description,
      }),
      (caller, req) => putBotGroup(deps, caller, req),
    ),
    ListBotGroups: read<unknown, ListBotGroupsResponse>('ListBotGroups', async (caller) => {
      requireAdmin(caller);
      const stored = await deps.store.listBotGroups();
      return {
        bot_groups: [
          ...fileGroupsWire(deps.tokens.file),
          ...stored
            .filter((g) => !deps.tokens.inFile('bot_group', g.name))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map(groupWire),
        ],
      };
    }),
    DeleteBotGroup: auditedUnary<DeleteAccessRequestOut, DeleteAccessResponse>(
      deps,
      'DeleteBotGroup',
      'access.group.delete',
      (req) => req.name,
      () => ({}),
      (caller, req) => deleteSubject(deps, caller, 'bot_group', req),
    ),
  };
}
