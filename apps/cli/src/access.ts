// The live access commands (service Access, docs/auth.md; server-wide admins only):
// `drover token create|list|revoke` and `drover access principals|groups list|put|delete`.
// Changes apply on every coordinator within a second; nothing is restarted. JSON output is
// canonical (docs/json.md), one message per line.
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { DroverClientError } from '@drover/client';
import {
  AUTH_ROLES,
  CLIENT_CHANNEL_OPTIONS,
  canonicalJson,
  loadDroverProto,
  timestampToJson,
  type AccessBotGroupOut,
  type AccessClient,
  type AccessPrincipalOut,
  type AccessTokenOut,
  type CreateTokenResponseOut,
  type RoleListOut,
} from '@drover/protocol';
import {
  optionParser,
  parseDimension,
  parseDurationSecs,
  repeatableParser,
  type KeyValue,
  type Parsed,
} from './args';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatTable, type Column } from './format';
import { parseRoleGrant, type RoleGrant } from './token';

/** Runs `fn` with an Access stub; a refused call prints its message and sets the exit code. */
async function withAccess(
  host: CommandHost,
  cmd: Command,
  fn: (
    call: <Res>(method: keyof AccessClient & string, req: object) => Promise<Res>,
  ) => Promise<number>,
): Promise<void> {
  const code = await withClient(host.rt, cmd.optsWithGlobals<GlobalOptions>(), async (_c, conn) => {
    const credentials =
      conn.tls === false
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(conn.tls === true ? null : conn.tls.rootCerts);
    const stub = new (loadDroverProto().drover.v1.Access)(
      conn.server,
      credentials,
      CLIENT_CHANNEL_OPTIONS,
    );
    const md = new grpc.Metadata();
    if (conn.token !== undefined) md.set('authorization', `Bearer ${conn.token}`);
    const call = <Res>(method: keyof AccessClient & string, req: object): Promise<Res> =>
      new Promise<Res>((resolve, reject) => {
        const fn = stub[method] as unknown as (
          req: object,
          md: grpc.Metadata,
          opts: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null, res?: Res) => void,
        ) => unknown;
        fn.call(stub, req, md, { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, res) =>
          err
            ? reject(new DroverClientError(err.code, err.details, conn.server, { cause: err }))
            : resolve(res!),
        );
      });
    try {
      return await fn(call);
    } finally {
      stub.close();
    }
  });
  host.exitWith(code);
}

/** `--role`/`--scope` grants as the protobuf map of RoleLists (a pool given twice: merged). */
function roleMap(grants: readonly RoleGrant[] | undefined): Record<string, { roles: string[] }> {
  const out: Record<string, { roles: string[] }> = {};
  for (const g of grants ?? []) {
    out[g.pool] = { roles: [...new Set([...(out[g.pool]?.roles ?? []), ...g.roles])] };
  }
  return out;
}

function describeRoles(roles: Readonly<Record<string, RoleListOut>>): string {
  return Object.entries(roles)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pool, r]) => `${pool}=${r.roles.join(',')}`)
    .join(' ');
}

function when(ts: AccessTokenOut['created']): string | undefined {
  return timestampToJson(ts)?.replace(/\.\d+Z$/, 'Z');
}

/** A token's state as listed: read-only (the tokens file), revoked, expired or active. */
export function tokenState(t: AccessTokenOut, nowMs: number): string {
  if (t.read_only) return 'read-only';
  if (t.revoked !== null) return 'revoked';
  const expires = timestampToJson(t.expires);
  if (expires !== null && Date.parse(expires) <= nowMs) return 'expired';
  return 'active';
}

function tokenColumns(nowMs: number): ReadonlyArray<Column<AccessTokenOut>> {
  return [
    { header: 'ID', max: Infinity, cell: (t) => t.id },
    { header: 'KIND', max: Infinity, cell: (t) => (t.kind === 'bot_group' ? 'bot group' : t.kind) },
    { header: 'SUBJECT', max: 32, cell: (t) => t.subject },
    { header: 'STATE', max: Infinity, cell: (t) => tokenState(t, nowMs) },
    { header: 'SCOPE', max: 32, cell: (t) => describeRoles(t.scope) },
    { header: 'CREATED', max: Infinity, cell: (t) => when(t.created) },
    { header: 'EXPIRES', max: Infinity, cell: (t) => when(t.expires) },
    { header: 'LAST USED', max: Infinity, cell: (t) => when(t.last_used) },
    { header: 'DESCRIPTION', max: 40, cell: (t) => t.description },
  ];
}

const PRINCIPAL_COLUMNS: ReadonlyArray<Column<AccessPrincipalOut>> = [
  { header: 'NAME', max: 40, cell: (p) => p.name },
  { header: 'ADMIN', max: Infinity, cell: (p) => (p.admin ? 'yes' : 'no') },
  { header: 'ROLES', max: 60, cell: (p) => describeRoles(p.roles) },
  { header: 'SOURCE', max: Infinity, cell: (p) => (p.read_only ? 'tokens file' : 'store') },
  { header: 'DESCRIPTION', max: 40, cell: (p) => p.description },
];

const GROUP_COLUMNS: ReadonlyArray<Column<AccessBotGroupOut>> = [
  { header: 'NAME', max: 40, cell: (g) => g.name },
  { header: 'BOT IDS', max: 40, cell: (g) => (g.bot_ids.length === 0 ? '*' : g.bot_ids.join(' ')) },
  {
    header: 'DIMENSIONS',
    max: 60,
    cell: (g) => g.dimensions.map((d) => d.values.map((v) => `${d.key}=${v}`).join(' ')).join(' '),
  },
  { header: 'SOURCE', max: Infinity, cell: (g) => (g.read_only ? 'tokens file' : 'store') },
  { header: 'DESCRIPTION', max: 40, cell: (g) => g.description },
];

/** `never`, or a duration (`30d`, `12h`, `1w`, `1h30m`) → seconds (0 = never). */
export function parseExpires(text: string): Parsed<number> {
  if (text === 'never') return { ok: true, value: 0 };
  return parseDurationSecs(text);
}

interface TokenCreateLiveOptions {
  principal?: string;
  botGroup?: string;
  description?: string;
  expires?: number;
  scope?: RoleGrant[];
  json?: boolean;
}

const ROLE_HELP = `${AUTH_ROLES.join(', ')}; pool * = every pool`;

/** `drover token create|list|revoke`, beside `drover token generate` (token.ts). */
function registerTokenLive(program: Command, host: CommandHost): void {
  const { rt } = host;
  const token =
    program.commands.find((c) => c.name() === 'token') ??
    program.command('token').description('Tokens of the coordinator (docs/auth.md).');
  token
    .command('create')
    .description(
      'Create a token on the coordinator (server-wide admins): it works at once on every ' +
        'coordinator, and is printed once on stdout — only its hash is kept.',
    )
    .option('--principal <name>', 'for this principal (a person or a service)')
    .option('--bot-group <name>', 'for the bots of this bot group')
    .option('--description <text>', 'what it is for, shown by drover token list')
    .option(
      '--expires <duration>',
      'it stops working after this long (30d, 12h, 1w); default never',
      optionParser(parseExpires),
    )
    .option(
      '--scope <pool=role,...>',
      `principals: narrow it to these roles (${ROLE_HELP}), repeatable`,
      repeatableParser(parseRoleGrant),
    )
    .option('--json', 'print the CreateTokenResponse (with the token) as canonical JSON')
    .action(async (opts: TokenCreateLiveOptions, cmd: Command) => {
      if ((opts.principal === undefined) === (opts.botGroup === undefined)) {
        await printError(rt, 'give --principal NAME or --bot-group NAME (one of them)');
        host.exitWith(EXIT.USAGE);
        return;
      }
      if (opts.botGroup !== undefined && (opts.scope?.length ?? 0) > 0) {
        await printError(rt, '--scope: only principal tokens are scoped');
        host.exitWith(EXIT.USAGE);
        return;
      }
      await withAccess(host, cmd, async (call) => {
        const res = await call<CreateTokenResponseOut>('CreateToken', {
          kind: opts.principal !== undefined ? 'principal' : 'bot_group',
          subject: opts.principal ?? opts.botGroup,
          description: opts.description ?? '',
          scope: roleMap(opts.scope),
          ttl_seconds: opts.expires ?? 0,
        });
        if (opts.json === true) {
          await writeJson(rt.stdout, canonicalJson('CreateTokenResponse', res));
          return EXIT.OK;
        }
        await writeLine(rt.stdout, res.secret);
        const t = res.token!;
        const kind = t.kind === 'bot_group' ? 'bot group' : 'principal';
        const expires = when(t.expires);
        await writeLine(
          rt.stderr,
          `drover: created ${t.id} for ${kind} ${t.subject}` +
            `${expires === undefined ? '' : `, expires ${expires}`}; ` +
            'this is the only time the token is shown: keep it secret (revoke: drover token revoke ' +
            `${t.id})`,
        );
        return EXIT.OK;
      });
    });
  token
    .command('list')
    .description('List tokens (never the tokens themselves); the tokens file as read-only.')
    .option('--subject <name>', "only this principal's or bot group's tokens")
    .option('--all', 'revoked and expired tokens too')
    .option('--json', 'one AccessToken per line as canonical JSON (docs/json.md)')
    .action(async (opts: { subject?: string; all?: boolean; json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const { tokens } = await call<{ tokens: AccessTokenOut[] }>('ListTokens', {
          subject: opts.subject ?? '',
          include_inactive: opts.all === true,
        });
        if (opts.json === true) {
          for (const t of tokens) await writeJson(rt.stdout, canonicalJson('AccessToken', t));
        } else {
          await writeLine(rt.stdout, formatTable(tokenColumns(Date.now()), tokens));
        }
        return EXIT.OK;
      });
    });
  token
    .command('revoke')
    .description('Revoke a token at once on every coordinator; bots connected with it leave.')
    .argument('<id>', 'the token id (tok-…), as drover token list shows it')
    .option('--json', 'print the revoked AccessToken as canonical JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const t = await call<AccessTokenOut>('RevokeToken', { id });
        if (opts.json === true) await writeJson(rt.stdout, canonicalJson('AccessToken', t));
        else await writeLine(rt.stdout, `revoked ${t.id} (${t.subject})`);
        return EXIT.OK;
      });
    });
}

interface PrincipalPutOptions {
  admin?: boolean;
  role?: RoleGrant[];
  description?: string;
  json?: boolean;
}

interface GroupPutOptions {
  botIds?: string[];
  dimension?: KeyValue[];
  description?: string;
  json?: boolean;
}

/** Deleted: how many tokens stopped working with it. */
async function printDeleted(
  host: CommandHost,
  what: string,
  name: string,
  tokens: number,
  json: boolean,
): Promise<void> {
  if (json) await writeJson(host.rt.stdout, canonicalJson('DeleteAccessResponse', { tokens }));
  else {
    await writeLine(
      host.rt.stdout,
      `deleted ${what} ${name}; ${tokens} token${tokens === 1 ? '' : 's'} stopped working`,
    );
  }
}

/**
 * `drover token create|list|revoke` (on the `token` command registerToken made) and `drover
 * access principals …`, `drover access groups …`.
 */
export function registerAccess(program: Command, host: CommandHost): void {
  const { rt } = host;
  registerTokenLive(program, host);
  const access = program
    .command('access')
    .description(
      'Principals and bot groups kept by the coordinators (server-wide admins; docs/auth.md).',
    );

  const principals = access
    .command('principals')
    .description('People and services: roles per pool.');
  principals
    .command('list')
    .description('List principals, the tokens file’s as read-only.')
    .option('--json', 'one AccessPrincipal per line as canonical JSON (docs/json.md)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const res = await call<{ principals: AccessPrincipalOut[] }>('ListPrincipals', {});
        if (opts.json === true) {
          for (const p of res.principals) {
            await writeJson(rt.stdout, canonicalJson('AccessPrincipal', p));
          }
        } else await writeLine(rt.stdout, formatTable(PRINCIPAL_COLUMNS, res.principals));
        return EXIT.OK;
      });
    });
  principals
    .command('put')
    .description(
      'Create or replace a principal (its roles are exactly the ones given); its tokens follow.',
    )
    .argument('<name>')
    .option('--admin', 'server-wide admin: every role in every pool')
    .option(
      '--role <pool=role,...>',
      `roles in a pool (${ROLE_HELP}), repeatable`,
      repeatableParser(parseRoleGrant),
    )
    .option('--description <text>', 'who or what it is')
    .option('--json', 'print the AccessPrincipal as canonical JSON')
    .action(async (name: string, opts: PrincipalPutOptions, cmd: Command) => {
      if (opts.admin !== true && (opts.role?.length ?? 0) === 0) {
        await printError(rt, 'give --admin or at least one --role POOL=ROLE[,ROLE]');
        host.exitWith(EXIT.USAGE);
        return;
      }
      await withAccess(host, cmd, async (call) => {
        const p = await call<AccessPrincipalOut>('PutPrincipal', {
          name,
          admin: opts.admin === true,
          roles: roleMap(opts.role),
          description: opts.description ?? '',
        });
        if (opts.json === true) await writeJson(rt.stdout, canonicalJson('AccessPrincipal', p));
        else await writeLine(rt.stdout, `principal ${p.name}: ${describePrincipal(p)}`);
        return EXIT.OK;
      });
    });
  principals
    .command('delete')
    .description('Delete a principal: its tokens stop working at once.')
    .argument('<name>')
    .option('--json', 'print {"tokens": N} as canonical JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const res = await call<{ tokens: number }>('DeletePrincipal', { name });
        await printDeleted(host, 'principal', name, res.tokens, opts.json === true);
        return EXIT.OK;
      });
    });

  const groups = access
    .command('groups')
    .description('Bot groups: which bot ids may connect, the dimensions forced on them.');
  groups
    .command('list')
    .description('List bot groups, the tokens file’s as read-only.')
    .option('--json', 'one AccessBotGroup per line as canonical JSON (docs/json.md)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const res = await call<{ bot_groups: AccessBotGroupOut[] }>('ListBotGroups', {});
        if (opts.json === true) {
          for (const g of res.bot_groups) {
            await writeJson(rt.stdout, canonicalJson('AccessBotGroup', g));
          }
        } else await writeLine(rt.stdout, formatTable(GROUP_COLUMNS, res.bot_groups));
        return EXIT.OK;
      });
    });
  groups
    .command('put')
    .description(
      'Create or replace a bot group (it must force a pool: -d pool=NAME); its connected bots ' +
        'whose id it no longer takes leave.',
    )
    .argument('<name>')
    .option(
      '--bot-ids <glob>',
      'bot ids its bots may connect as (* wildcard), repeatable; none = any id',
      (text: string, previous: string[] | undefined) => [...(previous ?? []), text],
    )
    .option(
      '-d, --dimension <key=value>',
      'a dimension forced on its bots, e.g. pool=ci, repeatable',
      repeatableParser(parseDimension),
    )
    .option('--description <text>', 'what the group is')
    .option('--json', 'print the AccessBotGroup as canonical JSON')
    .action(async (name: string, opts: GroupPutOptions, cmd: Command) => {
      const dimensions = new Map<string, string[]>();
      for (const d of opts.dimension ?? []) {
        dimensions.set(d.key, [...(dimensions.get(d.key) ?? []), d.value]);
      }
      await withAccess(host, cmd, async (call) => {
        const g = await call<AccessBotGroupOut>('PutBotGroup', {
          name,
          bot_ids: opts.botIds ?? [],
          dimensions: [...dimensions].map(([key, values]) => ({ key, values })),
          description: opts.description ?? '',
        });
        if (opts.json === true) await writeJson(rt.stdout, canonicalJson('AccessBotGroup', g));
        else {
          const row = formatTable(GROUP_COLUMNS, [g]).split('\n')[1] ?? '';
          await writeLine(rt.stdout, `bot group ${g.name} saved: ${row.replace(/\s{2,}/g, '  ')}`);
        }
        return EXIT.OK;
      });
    });
  groups
    .command('delete')
    .description('Delete a bot group: its tokens stop working and its bots leave at once.')
    .argument('<name>')
    .option('--json', 'print {"tokens": N} as canonical JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withAccess(host, cmd, async (call) => {
        const res = await call<{ tokens: number }>('DeleteBotGroup', { name });
        await printDeleted(host, 'bot group', name, res.tokens, opts.json === true);
        return EXIT.OK;
      });
    });
}

function describePrincipal(p: AccessPrincipalOut): string {
  const roles = describeRoles(p.roles);
  return [p.admin ? 'admin' : '', roles === '' ? '' : `roles ${roles}`]
    .filter((s) => s !== '')
    .join(', ');
}
