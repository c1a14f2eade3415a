/**
 * Tokens, principals and bot groups managed live (service Access), and the audit log, kept in the
 * store so that every replica sees a change within a second (the change feed's `access` note) and
 * nothing needs a restart. Only token hashes are stored. Each method is one statement or one
 * transaction; the writes of the access tables notify the other replicas.
 */

/** Roles per pool (`*` = every pool); role names are the auth config's (view, submit, …). */
export type PoolRoles = Readonly<Record<string, readonly string[]>>;

export type AccessTokenKind = 'principal' | 'bot_group';

export interface AccessTokenRecord {
  /** `tok-` + 16 hex characters. */
  readonly id: string;
  /** SHA-256 of the token, 64 lowercase hex characters (libs/protocol hashToken). Unique. */
  readonly hash: string;
  readonly kind: AccessTokenKind;
  /** The principal's or bot group's name. */
  readonly subject: string;
  readonly description: string;
  /** Principals only: the roles the token is narrowed to; {} = the subject's roles. */
  readonly scope: PoolRoles;
  readonly createdMs: number;
  readonly createdBy: string;
  /** 0 = never expires. */
  readonly expiresMs: number;
  /** 0 = not revoked. */
  readonly revokedMs: number;
  readonly revokedBy: string;
  /** 0 = never used. */
  readonly lastUsedMs: number;
}

export interface StoredPrincipal {
  readonly name: string;
  readonly admin: boolean;
  readonly roles: PoolRoles;
  readonly description: string;
  readonly updatedMs: number;
  readonly updatedBy: string;
}

export interface StoredBotGroup {
  readonly name: string;
  /** Glob patterns (`*` only) a bot id must match; [] = any id. */
  readonly botIds: readonly string[];
  /** Dimensions forced on the group's bots, e.g. { pool: ['ci'] }. */
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
  readonly description: string;
  readonly updatedMs: number;
  readonly updatedBy: string;
}

/** The access half of the Store port. */
export interface AccessStore {
  /** Stores a new token; false (nothing written) when its id or hash already exists. */
  insertAccessToken(t: AccessTokenRecord): Promise<boolean>;
  /**
   * Marks the token revoked at `nowMs` by `by`; a token already revoked keeps its first
   * revocation. The record as it now is, or undefined for an unknown id.
   */
  revokeAccessToken(id: string, nowMs: number, by: string): Promise<AccessTokenRecord | undefined>;
  /**
   * Records when tokens were last accepted (the caller writes a token at most once a minute).
   * Never moves a time backwards; does not notify the other replicas (nothing they act on).
   */
  touchAccessTokens(used: readonly { id: string; lastUsedMs: number }[]): Promise<void>;
  /** Every token, revoked and expired ones included, oldest first. */
  listAccessTokens(): Promise<AccessTokenRecord[]>;
  /**
   * Creates or replaces the principal of that name. Created anew (none of that name stored), it
   * starts without tokens: live ones of the name, left from an earlier subject, are revoked in the
   * same transaction (at `updatedMs`, by `updatedBy`).
   */
  putPrincipal(p: StoredPrincipal): Promise<void>;
  /**
   * Deletes it and revokes its tokens not yet revoked (at `nowMs`, by `by`), in one transaction;
   * `tokens` = how many it revoked. An unknown name writes nothing: { deleted: false, tokens: 0 }.
   */
  deletePrincipal(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }>;
  listPrincipals(): Promise<StoredPrincipal[]>;
  /** Creates or replaces the bot group of that name; like putPrincipal. */
  putBotGroup(g: StoredBotGroup): Promise<void>;
  /** Deletes it and revokes its tokens; like deletePrincipal. */
  deleteBotGroup(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }>;
  listBotGroups(): Promise<StoredBotGroup[]>;
}

/** One audited action (service Access ListAudit, `drover audit`). */
export interface AuditRecord {
  /** Increasing, assigned by the store. */
  readonly id: number;
  readonly timeMs: number;
  readonly principal: string;
  readonly peer: string;
  /** tasks.cancel, tasks.kill, bots.quarantine, access.token.create, … */
  readonly action: string;
  readonly target: string;
  /** JSON text, at most 4096 bytes (the caller cuts it). */
  readonly details: string;
  /** "ok" or `CODE: message`. */
  readonly result: string;
  /** The target's pool, '' for none. */
  readonly pool: string;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export interface AuditQuery {
  /** timeMs ≥ sinceMs. */
  readonly sinceMs?: number;
  /** timeMs < untilMs. */
  readonly untilMs?: number;
  readonly principal?: string;
  /** An exact action, or a prefix ending in `.`. */
  readonly action?: string;
  /** Only entries of these pools ('' = no pool; a pool admin's view); undefined = all, [] = none. */
  readonly pools?: readonly string[];
  /** Entries with an id below this one (the previous page's last id); newest first. */
  readonly beforeId?: number;
  /** At most this many entries (the caller bounds it); 0 = none. */
  readonly limit: number;
}

/** The audit half of the Store port. */
export interface AuditStore {
  appendAudit(entries: readonly NewAuditRecord[]): Promise<void>;
  /** Newest first (by id), indexed by time and by principal. */
  listAudit(q: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes up to `limit` entries older than `beforeMs`, oldest first; returns how many. */
  pruneAudit(beforeMs: number, limit: number): Promise<number>;
}
