// `drover audit`: the audit log (Access.ListAudit; server-wide admins see everything, pool admins
// the entries of their pools): who did what, from where, to what, with what result, newest first.
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { DroverClientError } from '@drover/client';
import {
  CLIENT_CHANNEL_OPTIONS,
  canonicalJson,
  loadDroverProto,
  msToTimestamp,
  type AuditEntryOut,
  type ListAuditRequest,
  type ListAuditResponseOut,
} from '@drover/protocol';
import { optionParser, parseLimit, parseTimePoint, type Parsed } from './args';
import {
  UNARY_DEADLINE_MS,
  printError,
  withClient,
  writeJson,
  writeLine,
  type CommandHost,
  type Connection,
  type GlobalOptions,
} from './context';
import { EXIT } from './exit-codes';
import { formatAuditTable } from './format';

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** `drover audit`'s options as commander parses them (times in ms since the epoch). */
export interface AuditOptions {
  since?: number;
  until?: number;
  principal?: string;
  action?: string;
  limit?: number;
  cursor?: string;
  allPages?: boolean;
  json?: boolean;
}

/** An action (`tasks.cancel`) or a prefix ending in `.` (`tasks.`), as the server takes it. */
export function parseAuditAction(text: string): Parsed<string> {
  return /^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/.test(text)
    ? ok(text)
    : fail('expected an action (tasks.cancel) or a prefix ending in . (tasks.)');
}

/** The ListAudit request of the options; an error message for a bad combination. */
export function auditRequest(opts: AuditOptions): Parsed<ListAuditRequest> {
  if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since) {
    return fail('--until is before --since');
  }
  return ok({
    since: opts.since === undefined ? null : msToTimestamp(opts.since),
    until: opts.until === undefined ? null : msToTimestamp(opts.until),
    principal: opts.principal ?? '',
    action: opts.action ?? '',
    limit: opts.limit ?? 0,
    cursor: opts.cursor ?? '',
  });
}

/** The command that shows the page after `cursor`: the same filters, times made absolute. */
export function nextPageCommand(opts: AuditOptions, cursor: string): string {
  const words = ['drover', 'audit'];
  if (opts.since !== undefined) words.push('--since', new Date(opts.since).toISOString());
  if (opts.until !== undefined) words.push('--until', new Date(opts.until).toISOString());
  if (opts.principal !== undefined) words.push('--principal', shellWord(opts.principal));
  if (opts.action !== undefined) words.push('--action', opts.action);
  if (opts.limit !== undefined) words.push('--limit', String(opts.limit));
  if (opts.json === true) words.push('--json');
  words.push('--cursor', cursor);
  return words.join(' ');
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.@:+=-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** One ListAudit call over `conn`, with the CLI's deadline and errors. */
function listAudit(conn: Connection, req: ListAuditRequest): Promise<ListAuditResponseOut> {
  const credentials =
    conn.tls === false
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(conn.tls === true ? null : (conn.tls.rootCerts ?? null));
  const stub = new (loadDroverProto().drover.v1.Access)(
    conn.server,
    credentials,
    CLIENT_CHANNEL_OPTIONS,
  );
  const md = new grpc.Metadata();
  if (conn.token !== undefined && conn.token !== '')
    md.set('authorization', `Bearer ${conn.token}`);
  return new Promise<ListAuditResponseOut>((resolve, reject) => {
    stub.ListAudit(req, md, { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, res) => {
      stub.close();
      if (err) reject(new DroverClientError(err.code, err.details, conn.server, { cause: err }));
      else resolve(res!);
    });
  });
}

export function registerAudit(program: Command, host: CommandHost): void {
  const timePoint = optionParser((text) => parseTimePoint(text, Date.now()));
  program
    .command('audit')
    .description(
      'List the audit log, newest first: admin actions and cancels, who, from where, the result (admins).',
    )
    .option(
      '--since <when>',
      'recorded at or after: a duration ago (30m, 1h, 7d) or an RFC 3339 time',
      timePoint,
    )
    .option('--until <when>', 'recorded before: same forms as --since', timePoint)
    .option('--principal <name>', 'only what this principal did')
    .option(
      '--action <action>',
      'only this action (tasks.cancel) or actions with this prefix (tasks.)',
      optionParser(parseAuditAction),
    )
    .option(
      '--limit <n>',
      'entries per page, 1-1000 (server default 100)',
      optionParser(parseLimit),
    )
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--all-pages', 'keep fetching pages until there are no more')
    .option('--json', 'one AuditEntry per line as canonical JSON (docs/json.md), for jq')
    .action(async (opts: AuditOptions, cmd: Command) => {
      const { rt } = host;
      const request = auditRequest(opts);
      if (!request.ok) {
        await printError(rt, request.message);
        host.exitWith(EXIT.USAGE);
        return;
      }
      const code = await withClient(rt, cmd.optsWithGlobals<GlobalOptions>(), async (_c, conn) => {
        const entries: AuditEntryOut[] = [];
        let req = request.value;
        let next = '';
        for (;;) {
          const page = await listAudit(conn, req);
          if (opts.json === true) {
            for (const e of page.entries)
              await writeJson(rt.stdout, canonicalJson('AuditEntry', e));
          } else {
            entries.push(...page.entries);
          }
          next = page.next_cursor;
          if (opts.allPages !== true || next === '' || next === req.cursor) break;
          req = { ...req, cursor: next };
        }
        if (opts.json !== true) {
          if (entries.length > 0) await writeLine(rt.stdout, formatAuditTable(entries));
          else await writeLine(rt.stderr, 'no audit entries');
        }
        if (next !== '' && opts.allPages !== true) {
          await writeLine(rt.stderr, `more entries: ${nextPageCommand(opts, next)}`);
        }
        return EXIT.OK;
      });
      host.exitWith(code);
    });
}
