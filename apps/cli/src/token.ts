// `drover token generate`: a new token, and the tokens-file entry (with only its SHA-256) that lets
// the coordinator accept it — for the tokens file (static setups, the seed). Local only: no call
// to the coordinator. Tokens kept by the coordinators themselves: `drover token create` (access.ts).
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  AUTH_ROLES,
  authConfigFileForm,
  checkAuthConfig,
  hashToken,
  newToken,
  type AuthRole,
} from '@drover/protocol';
import { Document, parse as parseYaml, parseDocument } from 'yaml';
import { parseDimension, repeatableParser, type KeyValue, type Parsed } from './args';
import { printError, writeJson, writeLine, type CommandHost, type Runtime } from './context';
import { EXIT } from './exit-codes';

export interface TokenGenerateOptions {
  name: string;
  bot?: boolean;
  admin?: boolean;
  role?: RoleGrant[];
  botIds?: string[];
  dimension?: KeyValue[];
  json?: boolean;
  append?: string;
}

export interface RoleGrant {
  pool: string;
  roles: AuthRole[];
}

/** Where an entry goes in the tokens file. */
export type TokensSection = 'principals' | 'botGroups';

export interface NewTokenEntry {
  token: string;
  section: TokensSection;
  /** The entry as written in the tokens file. */
  entry: Record<string, unknown>;
}

/** `POOL=ROLE[,ROLE]` → a grant; the pool `*` means every pool. */
export function parseRoleGrant(text: string): Parsed<RoleGrant> {
  const eq = text.indexOf('=');
  if (eq <= 0) return { ok: false, message: 'expected POOL=ROLE[,ROLE], e.g. ci=view,submit' };
  const pool = text.slice(0, eq);
  const roles = text.slice(eq + 1).split(',');
  const bad = roles.find((r) => !AUTH_ROLES.includes(r as AuthRole));
  if (bad !== undefined) {
    return {
      ok: false,
      message: `${JSON.stringify(bad)} is not a role (${AUTH_ROLES.join(', ')})`,
    };
  }
  return { ok: true, value: { pool, roles: roles as AuthRole[] } };
}

/** The entry for the options, checked as the coordinator will check it; a message when wrong. */
export function buildTokenEntry(opts: TokenGenerateOptions, token: string): Parsed<NewTokenEntry> {
  const fail = (message: string): Parsed<never> => ({ ok: false, message });
  const grants = opts.role ?? [];
  const botIds = opts.botIds ?? [];
  const dims = opts.dimension ?? [];
  let section: TokensSection;
  let entry: Record<string, unknown>;
  if (opts.bot === true) {
    if (opts.admin === true || grants.length > 0) {
      return fail('--admin and --role are for client tokens, not with --bot');
    }
    const dimensions: Record<string, string[]> = {};
    for (const d of dims) dimensions[d.key] = [...(dimensions[d.key] ?? []), d.value];
    section = 'botGroups';
    entry = {
      name: opts.name,
      sha256: hashToken(token),
      ...(botIds.length === 0 ? {} : { botIds }),
      ...(dims.length === 0 ? {} : { dimensions }),
    };
  } else {
    if (botIds.length > 0 || dims.length > 0) {
      return fail('--bot-ids and -d are for bot tokens: add --bot');
    }
    if (opts.admin !== true && grants.length === 0) {
      return fail(
        'give --admin or at least one --role POOL=ROLE (a token with no role can do nothing)',
      );
    }
    const roles: Record<string, AuthRole[]> = {};
    for (const g of grants) roles[g.pool] = [...new Set([...(roles[g.pool] ?? []), ...g.roles])];
    section = 'principals';
    entry = {
      name: opts.name,
      sha256: hashToken(token),
      ...(opts.admin === true ? { admin: true } : {}),
      ...(grants.length === 0 ? {} : { roles }),
    };
  }
  const checked = checkAuthConfig({ version: 2, [section]: [entry] });
  if (!checked.ok) return fail(checked.problem.replace(/^\w+\[0\]\.?/, 'the entry '));
  return { ok: true, value: { token, section, entry } };
}

/** The entry in the two forms a tokens file takes: a YAML list item and a JSON object. */
export function describeEntry(made: NewTokenEntry): string {
  const yaml = Object.entries(made.entry)
    .map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return [
    `# Add to ${made.section} in the coordinator's tokens file (docs/auth.md), then restart it.`,
    `# Only the hash is stored: keep the token printed on stdout secret.`,
    `# YAML tokens file:`,
    yaml,
    `# JSON tokens file:`,
    JSON.stringify(made.entry),
  ].join('\n');
}

function isYaml(path: string): boolean {
  return ['.yaml', '.yml'].includes(extname(path).toLowerCase());
}

/**
 * Adds the entry to an existing tokens file, checked before and after; a version 1 file is
 * upgraded to version 2 (same meaning). Written to a temporary file and renamed over the old.
 * Returns a note for people, or a message when the file is unusable.
 */
export function appendToTokensFile(path: string, made: NewTokenEntry): Parsed<string> {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode & 0o777;
  } catch (err) {
    return { ok: false, message: `cannot read ${path}: ${(err as Error).message}` };
  }
  const yaml = isYaml(path);
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      message: `${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    };
  }
  const before = checkAuthConfig(parsed);
  if (!before.ok) return { ok: false, message: `${path}: ${before.problem}` };
  const upgraded = (parsed as { version?: unknown }).version === 1;
  const form = upgraded ? authConfigFileForm(before.config) : (parsed as Record<string, unknown>);
  const list = Array.isArray(form[made.section]) ? (form[made.section] as unknown[]) : [];
  const after = checkAuthConfig({ ...form, [made.section]: [...list, made.entry] });
  if (!after.ok) return { ok: false, message: `${path} with the new entry: ${after.problem}` };

  let out: string;
  if (!yaml) {
    out = `${JSON.stringify({ ...form, [made.section]: [...list, made.entry] }, null, 2)}\n`;
  } else if (upgraded) {
    out = new Document({ ...form, [made.section]: [...list, made.entry] }).toString();
  } else {
    // Keeps the comments and layout of the rest of the file.
    const doc = parseDocument(text);
    if (!doc.has(made.section)) doc.set(made.section, doc.createNode([]));
    doc.addIn([made.section], doc.createNode(made.entry));
    out = doc.toString();
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, out, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
  const what = made.section === 'principals' ? 'principal' : 'bot group';
  return {
    ok: true,
    value:
      `added ${what} ${String(made.entry['name'])} to ${path}` +
      `${upgraded ? ' (upgraded to version 2)' : ''}; restart the coordinator to use it`,
  };
}

async function generate(rt: Runtime, opts: TokenGenerateOptions): Promise<number> {
  const token = newToken(opts.bot === true ? 'bot' : 'client');
  const made = buildTokenEntry(opts, token);
  if (!made.ok) {
    await printError(rt, made.message);
    return EXIT.USAGE;
  }
  if (opts.append !== undefined) {
    const appended = appendToTokensFile(resolve(rt.cwd, opts.append), made.value);
    if (!appended.ok) {
      await printError(rt, appended.message);
      return EXIT.USAGE;
    }
    if (opts.json === true) await writeJson(rt.stdout, made.value);
    else await writeLine(rt.stdout, token);
    await writeLine(rt.stderr, `drover: ${appended.value}`);
    return EXIT.OK;
  }
  if (opts.json === true) {
    await writeJson(rt.stdout, made.value);
    return EXIT.OK;
  }
  await writeLine(rt.stdout, token);
  await writeLine(rt.stderr, describeEntry(made.value));
  return EXIT.OK;
}

export function registerToken(program: Command, host: CommandHost): void {
  const token = program
    .command('token')
    .description(
      'Tokens: kept by the coordinators (create, list, revoke) or for the tokens file (generate); ' +
        'docs/auth.md.',
    );
  token
    .command('generate')
    .description(
      'For the tokens file: print a new token on stdout and, on stderr, the tokens-file entry ' +
        'holding its SHA-256; with --append, add the entry to the file instead. Nothing is sent ' +
        'to the coordinator (for tokens kept by the coordinators: drover token create).',
    )
    .requiredOption('--name <name>', 'who the token is for (a person, a CI system, a bot group)')
    .option('--bot', 'a bot token (a bot group entry) instead of a client token')
    .option('--admin', 'client: server-wide admin (every role in every pool)')
    .option(
      '--role <pool=role,...>',
      `client: roles in a pool (${AUTH_ROLES.join(', ')}; pool * = every pool), repeatable`,
      repeatableParser(parseRoleGrant),
    )
    .option(
      '--bot-ids <glob>',
      'bot: bot ids the token may connect as (* wildcard), repeatable; none = any id',
      (text: string, previous: string[] | undefined) => [...(previous ?? []), text],
    )
    .option(
      '-d, --dimension <key=value>',
      'bot: a dimension forced on the bots, e.g. pool=ci, repeatable',
      repeatableParser(parseDimension),
    )
    .option('--append <file>', 'add the entry to this tokens file (checked before and after)')
    .option('--json', 'print {"token", "section", "entry"} as one JSON line on stdout')
    .action(async (opts: TokenGenerateOptions) => {
      host.exitWith(await generate(host.rt, opts));
    });
}
