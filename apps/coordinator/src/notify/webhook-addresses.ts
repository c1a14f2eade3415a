import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses a webhook may be sent to: none that is loopback, link-local,
 * private, shared (CGNAT), unique-local, unspecified, multicast or otherwise reserved — IPv4
 * forms embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible, NAT64, 6to4) judged as the IPv4
 * address they carry — unless the admin allowed the address (webhook-allow-addresses). Pure.
 */

/** An IP address as a number: 32 bits (IPv4) or 128 (IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A subnet: `prefix` leading bits of `base`. */
export interface AddressRule {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
  /** As the admin wrote it (messages). */
  readonly text: string;
}

export type AddressVerdict =
  | { readonly ok: true; readonly address: string; readonly family: 4 | 6 }
  | { readonly ok: false; readonly reason: string; readonly kind: string };

/** An IPv4 (dotted quad) or IPv6 address, brackets allowed; undefined for anything else. */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(t)) return { family: 4, value: ipv4Value(t) };
  if (!isIPv6(t) || t.includes('%')) return undefined;
  let head = t;
  let tail: bigint[] = [];
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups.
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (dotted !== null) {
    const v = ipv4Value(dotted[1]!);
    tail = [v >> 16n, v & 0xffffn];
    // Keep a '::' that ends right before the quad; drop a single ':'.
    head = t.slice(0, dotted.index + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => BigInt(`0x${g}`)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const missing = 8 - l.length - r.length - tail.length;
  const all = [...l, ...Array<bigint>(right === undefined ? 0 : missing).fill(0n), ...r, ...tail];
  if (all.length !== 8) return undefined;
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

function ipv4Value(t: string): bigint {
  return t.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

export function formatIp(a: IpAddress): string {
  if (a.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((a.value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** An address (`127.0.0.1`, `::1`) or a subnet (`10.0.0.0/8`, `fd00::/8`); undefined if neither. */
export function parseAddressRule(text: string): AddressRule | undefined {
  const [addr = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (ip === undefined) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { family: ip.family, base: ip.value, prefix, text: text.trim() };
}

function inRule(a: IpAddress, rule: { family: 4 | 6; base: bigint; prefix: number }): boolean {
  if (a.family !== rule.family) return false;
  const shift = BigInt((a.family === 4 ? 32 : 128) - rule.prefix);
  return a.value >> shift === rule.base >> shift;
}

const v4 = (text: string, prefix: number, kind: string) => {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(`bad built-in range ${text}`);
  return { family: ip.family, base: ip.value, prefix, kind };
};

/** Refused unless allowed, most specific first where ranges nest. */
const IPV4_REFUSED = [
  v4('0.0.0.0', 8, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'shared (CGNAT)'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'),
];
const IPV6_REFUSED = [
  v4('::', 128, 'unspecified'),
  v4('::1', 128, 'loopback'),
  v4('100::', 64, 'reserved'),
  v4('fc00::', 7, 'unique-local'),
  v4('fe80::', 10, 'link-local'),
  v4('fec0::', 10, 'site-local'),
  v4('ff00::', 8, 'multicast'),
];
/** IPv6 forms that carry an IPv4 address, and where. */
const IPV4_CARRIERS = [
  { rule: v4('::ffff:0:0', 96, 'IPv4-mapped'), shift: 0n },
  { rule: v4('::', 96, 'IPv4-compatible'), shift: 0n },
  { rule: v4('64:ff9b::', 96, 'NAT64'), shift: 0n },
  { rule: v4('2002::', 16, '6to4'), shift: 80n },
];

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(a: IpAddress): IpAddress | undefined {
  if (a.family !== 6 || a.value <= 1n) return undefined;
  for (const { rule, shift } of IPV4_CARRIERS) {
    if (inRule(a, rule)) return { family: 4, value: (a.value >> shift) & 0xffffffffn };
  }
  return undefined;
}

/** Why `a` is refused by default ('loopback', …), or undefined for a public address. */
export function refusedKind(a: IpAddress): string | undefined {
  const inner = embeddedIpv4(a);
  if (inner !== undefined) {
    const kind = refusedKind(inner);
    return kind === undefined ? undefined : `${kind} (as IPv4 ${formatIp(inner)})`;
  }
  const table = a.family === 4 ? IPV4_REFUSED : IPV6_REFUSED;
  return table.find((r) => inRule(a, r))?.kind;
}

/** Whether the admin allowed `a` (or the IPv4 address it carries). */
export function allowedByAdmin(a: IpAddress, allowed: readonly AddressRule[]): boolean {
  const inner = embeddedIpv4(a);
  return allowed.some((r) => inRule(a, r) || (inner !== undefined && inRule(inner, r)));
}

/** The verdict on one address a webhook's host names or resolves to. */
export function judgeAddress(text: string, allowed: readonly AddressRule[]): AddressVerdict {
  const a = parseIp(text);
  if (a === undefined) {
    return { ok: false, reason: `${text} is not an IP address`, kind: 'not an IP address' };
  }
  const kind = refusedKind(a);
  if (kind === undefined || allowedByAdmin(a, allowed)) {
    return { ok: true, address: text.replace(/^\[(.*)\]$/, '$1'), family: a.family };
  }
  return { ok: false, reason: `${text} is ${kind}`, kind };
}
