import { InvalidArgumentError } from '@drover/protocol';
import { ConfigError } from '../config-file';
import {
  judgeAddress,
  parseAddressRule,
  parseIp,
  type AddressRule,
  type AddressVerdict,
} from './webhook-addresses';

/**
 * Where task webhooks may go: URLs matching the admin's allow-list (webhook-allow), at
 * addresses that are public or that the admin allowed (webhook-allow-addresses). No list: no
 * webhooks at all.
 */
export interface WebhookTargetPolicy {
  readonly allow: readonly AllowPattern[];
  readonly allowAddresses: readonly AddressRule[];
}

/** One webhook-allow entry: a glob over the whole URL without credentials or fragment. */
export interface AllowPattern {
  readonly text: string;
  readonly regex: RegExp;
}

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles webhook-allow. `*` matches any run of characters, except that in the host and port
 * it matches no `/` (so `https://*.example.com/*` cannot match `https://evil.test/x.example.com/`);
 * everything else is literal. A pattern names a scheme (http or https), a host and a path.
 */
export function compileAllowPattern(text: string, key = 'webhook-allow'): AllowPattern {
  const m = /^(https?):\/\/([^/]*)(\/.*)$/i.exec(text.trim());
  if (m === null) {
    throw new ConfigError(
      `${key}: ${JSON.stringify(text)} must be http(s)://HOST/PATH (a * matches anything, e.g. https://ci.example.com/hooks/*)`,
    );
  }
  const [, scheme = '', authority = '', path = ''] = m;
  if (authority === '' || authority.includes('@')) {
    throw new ConfigError(
      `${key}: ${JSON.stringify(text)} must name a host (and no credentials) between // and the path`,
    );
  }
  const source =
    `^${scheme.toLowerCase()}://` +
    authority.toLowerCase().split('*').map(escape).join('[^/]*') +
    path.split('*').map(escape).join('.*') +
    '$';
  return { text: text.trim(), regex: new RegExp(source) };
}

export function compileWebhookTargets(
  allow: readonly string[] | undefined,
  allowAddresses: readonly string[] | undefined,
): WebhookTargetPolicy {
  const addresses = (allowAddresses ?? []).map((text) => {
    const rule = parseAddressRule(text);
    if (rule === undefined) {
      throw new ConfigError(
        `webhook-allow-addresses: ${JSON.stringify(text)} is not an IP address or subnet (e.g. 127.0.0.1, ::1, 10.1.0.0/16)`,
      );
    }
    return rule;
  });
  return Object.freeze({
    allow: Object.freeze((allow ?? []).map((p) => compileAllowPattern(p))),
    allowAddresses: Object.freeze(addresses),
  });
}

/** The URL as patterns see it: normalised, without credentials or fragment. */
export function matchableUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  u.hash = '';
  return u.href;
}

/** The URL without its credentials (replaced by ***), for GetRequest and logs. */
export function urlWithoutCredentials(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  if (u.username === '' && u.password === '') return u.href;
  u.username = '***';
  u.password = '';
  return u.href;
}

export function urlAllowed(url: URL, policy: WebhookTargetPolicy): boolean {
  const text = matchableUrl(url);
  return policy.allow.some((p) => p.regex.test(text));
}

/** The host of a URL as an address when it is an IP literal (`[::1]`, 127.0.0.1, 0x7f000001). */
export function literalAddress(url: URL): string | undefined {
  return parseIp(url.hostname) === undefined ? undefined : url.hostname;
}

const ENABLE_HINT =
  'an admin enables webhooks by listing the allowed receiver URLs in the coordinator config (webhook-allow)';

/**
 * At NewTask: refuses (INVALID_ARGUMENT naming notify.url) a URL the allow-list does not match,
 * any URL when there is no list, and an IP-literal host that delivery would refuse.
 */
export function checkNotifyUrl(url: string, policy: WebhookTargetPolicy): void {
  if (policy.allow.length === 0) {
    throw new InvalidArgumentError(
      'notify.url',
      `webhooks are not enabled on this coordinator: ${ENABLE_HINT}`,
    );
  }
  const parsed = new URL(url);
  if (!urlAllowed(parsed, policy)) {
    throw new InvalidArgumentError(
      'notify.url',
      `${urlWithoutCredentials(url)} is not in the coordinator's webhook allow-list (webhook-allow): ask an admin to add it`,
    );
  }
  const literal = literalAddress(parsed);
  if (literal !== undefined) {
    const verdict = judgeAddress(literal, policy.allowAddresses);
    if (!verdict.ok) throw new InvalidArgumentError('notify.url', refusalText(verdict.reason));
  }
}

function refusalText(reason: string): string {
  return `${reason}: webhooks go only to public addresses unless an admin lists the address in webhook-allow-addresses`;
}

export type Lookup = (
  hostname: string,
) => Promise<readonly { readonly address: string; readonly family: number }[]>;

/** Where one attempt may connect, or why it may not (`permanent`: retrying cannot help). */
export type TargetVerdict =
  | { readonly ok: true; readonly url: URL; readonly address: string; readonly family: 4 | 6 }
  | { readonly ok: false; readonly permanent: boolean; readonly error: string };

/**
 * At delivery, before connecting: the URL must still be allowed, and its host (resolved once
 * here; the connection uses this very address, with no second lookup) must have an address that
 * is public or allowed by the admin. The first such address is used; none is a permanent refusal.
 */
export async function vetTarget(
  url: string,
  policy: WebhookTargetPolicy,
  lookup: Lookup,
): Promise<TargetVerdict> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, permanent: true, error: 'not a valid URL' };
  }
  if (!urlAllowed(parsed, policy)) {
    return { ok: false, permanent: true, error: 'refused: the URL is not in webhook-allow' };
  }
  const literal = literalAddress(parsed);
  let candidates: readonly { address: string }[];
  if (literal !== undefined) {
    candidates = [{ address: literal }];
  } else {
    try {
      candidates = await lookup(parsed.hostname);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return { ok: false, permanent: false, error: `cannot resolve ${parsed.hostname}: ${code}` };
    }
    if (candidates.length === 0) {
      return {
        ok: false,
        permanent: false,
        error: `cannot resolve ${parsed.hostname}: no address`,
      };
    }
  }
  const verdicts: AddressVerdict[] = candidates.map((c) =>
    judgeAddress(c.address, policy.allowAddresses),
  );
  const usable = verdicts.find((v) => v.ok);
  if (usable !== undefined && usable.ok) {
    return { ok: true, url: parsed, address: usable.address, family: usable.family };
  }
  const refused = verdicts.flatMap((v, i) =>
    v.ok ? [] : [`${candidates[i]?.address} (${v.kind})`],
  );
  const host =
    literal === undefined
      ? `${parsed.hostname} resolves only to refused addresses: ${refused.join(', ')}`
      : verdicts.map((v) => (v.ok ? '' : v.reason)).join('');
  return { ok: false, permanent: true, error: `refused: ${refusalText(host)}` };
}
