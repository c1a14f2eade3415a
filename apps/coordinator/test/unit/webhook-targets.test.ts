// Where webhooks may go, without a network: the address table (every refused range, in
// every form that carries it), webhook-allow globs, the delivery-time verdict with a fake
// resolver (nothing here connects anywhere), the settings, and the receiver-key command.
import { status } from '@grpc/grpc-js';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCoordinatorConfig, parseCoordinatorArgs } from '../../src/config';
import { parseConfigText } from '../../src/config-file';
import { judgeAddress, parseAddressRule } from '../../src/notify/webhook-addresses';
import { runWebhookSecretCommand } from '../../src/notify/webhook-secret-command';
import { targetSecret } from '../../src/notify/webhook-secret';
import {
  checkNotifyUrl,
  compileWebhookTargets,
  urlAllowed,
  urlWithoutCredentials,
  vetTarget,
  type Lookup,
} from '../../src/notify/webhook-targets';
import { tempDir } from '../harness';

describe('judgeAddress', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (as IPv4 127.0.0.1)'],
    ['::ffff:7f00:1', 'loopback (as IPv4 127.0.0.1)'],
    ['::ffff:10.0.0.1', 'private (as IPv4 10.0.0.1)'],
    ['::127.0.0.1', 'loopback (as IPv4 127.0.0.1)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (as IPv4 169.254.169.254)'],
    ['2002:7f00:1::', 'loopback (as IPv4 127.0.0.1)'],
  ];
  it.each(refused)('refuses %s (%s)', (address, kind) => {
    expect(judgeAddress(address, [])).toEqual({
      ok: false,
      reason: `${address} is ${kind}`,
      kind,
    });
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    'lets a public address through: %s',
    (address) => {
      expect(judgeAddress(address, [])).toMatchObject({ ok: true, address });
    },
  );

  it('lets through what the admin allowed, by address or subnet, in IPv4 and mapped forms', () => {
    const allowed = ['127.0.0.1', '10.2.0.0/16', 'fd00::/8'].map((t) => parseAddressRule(t)!);
    expect(judgeAddress('127.0.0.1', allowed)).toEqual({
      ok: true,
      address: '127.0.0.1',
      family: 4,
    });
    expect(judgeAddress('::ffff:127.0.0.1', allowed)).toMatchObject({ ok: true, family: 6 });
    expect(judgeAddress('10.2.9.9', allowed)).toMatchObject({ ok: true });
    expect(judgeAddress('fd00::7', allowed)).toMatchObject({ ok: true });
    expect(judgeAddress('127.0.0.2', allowed)).toMatchObject({ ok: false });
    expect(judgeAddress('::1', allowed)).toMatchObject({ ok: false });
    expect(judgeAddress('10.3.0.1', allowed)).toMatchObject({ ok: false });
  });

  it('parses address rules and refuses anything else', () => {
    expect(parseAddressRule('::1')).toMatchObject({ family: 6, prefix: 128 });
    expect(parseAddressRule('10.0.0.0/8')).toMatchObject({ family: 4, prefix: 8 });
    for (const bad of ['localhost', '10.0.0.0/33', '1.2.3.4/x', '::1/129', '1.2.3', '']) {
      expect(parseAddressRule(bad)).toBeUndefined();
    }
  });
});

describe('webhook-allow globs', () => {
  const policy = compileWebhookTargets(
    ['https://ci.example.com/hooks/*', 'https://*.builds.example.org/*', 'http://localhost:*/*'],
    [],
  );
  const allowed = (url: string) => urlAllowed(new URL(url), policy);

  it('match the whole URL, credentials and fragment left out, case of the host ignored', () => {
    expect(allowed('https://ci.example.com/hooks/a?x=1')).toBe(true);
    expect(allowed('https://user:pw@CI.Example.com/hooks/b#frag')).toBe(true);
    expect(allowed('https://a.b.builds.example.org/x')).toBe(true);
    expect(allowed('http://localhost:8080/any/path')).toBe(true);
  });

  it('refuse other schemes, hosts, ports, paths, and a host that only contains the pattern', () => {
    expect(allowed('http://ci.example.com/hooks/a')).toBe(false);
    expect(allowed('https://ci.example.com:8443/hooks/a')).toBe(false);
    expect(allowed('https://ci.example.com/other')).toBe(false);
    expect(allowed('https://ci.example.com.evil.test/hooks/a')).toBe(false);
    expect(allowed('https://evil.test/x.builds.example.org/')).toBe(false);
    expect(allowed('https://ci.example.com/hooks/../admin')).toBe(false);
    expect(allowed('http://localhost/x')).toBe(false);
  });

  it('are checked at start: a bad pattern or address is a ConfigError naming the key', () => {
    for (const bad of [
      'ci.example.com/*',
      'https://ci.example.com',
      'ftp://h/*',
      'https://u@h/*',
    ]) {
      expect(() => compileCoordinatorConfig({ webhookAllow: [bad] })).toThrow(
        expect.objectContaining({
          name: 'ConfigError',
          message: expect.stringContaining('webhook-allow:') as unknown,
        }) as Error,
      );
    }
    expect(() => compileCoordinatorConfig({ webhookAllowAddresses: ['localhost'] })).toThrow(
      /^webhook-allow-addresses: "localhost" is not an IP address or subnet/,
    );
  });
});

describe('checkNotifyUrl (NewTask)', () => {
  const refusal = (url: string, allow: string[], addresses: string[] = []) => {
    try {
      checkNotifyUrl(url, compileWebhookTargets(allow, addresses));
    } catch (err) {
      const e = err as { code: number; message: string };
      expect(e.code).toBe(status.INVALID_ARGUMENT);
      return e.message;
    }
    return undefined;
  };

  it('refuses every URL when no list is configured, saying how an admin enables webhooks', () => {
    expect(refusal('https://ci.example.com/hooks/a', [])).toBe(
      'notify.url: webhooks are not enabled on this coordinator: an admin enables webhooks by listing the allowed receiver URLs in the coordinator config (webhook-allow)',
    );
  });

  it('refuses a URL outside the list, without its credentials in the message', () => {
    expect(refusal('https://u:secret@other.example.com/x', ['https://ci.example.com/*'])).toBe(
      "notify.url: https://***@other.example.com/x is not in the coordinator's webhook allow-list (webhook-allow): ask an admin to add it",
    );
  });

  it.each([
    ['http://0x7f000001/h', '127.0.0.1 is loopback'],
    ['http://2130706433/h', '127.0.0.1 is loopback'],
    ['http://0177.0.0.1/h', '127.0.0.1 is loopback'],
    ['http://127.1/h', '127.0.0.1 is loopback'],
    ['http://[::ffff:127.0.0.1]/h', '[::ffff:7f00:1] is loopback (as IPv4 127.0.0.1)'],
    ['http://[::1]/h', '[::1] is loopback'],
    ['http://169.254.169.254/latest', '169.254.169.254 is link-local'],
    ['http://0xa9fea9fe/latest', '169.254.169.254 is link-local'],
    ['http://10.0.0.1/h', '10.0.0.1 is private'],
    ['http://[fd00::1]/h', '[fd00::1] is unique-local'],
  ])('refuses the listed IP-literal host of %s at once', (url, reason) => {
    expect(refusal(url, ['http://*/*'])).toBe(
      `notify.url: ${reason}: webhooks go only to public addresses unless an admin lists the address in webhook-allow-addresses`,
    );
  });

  it('accepts a listed loopback literal the admin allowed', () => {
    expect(refusal('http://127.0.0.1:9/h', ['http://127.0.0.1:*/*'], ['127.0.0.1'])).toBe(
      undefined,
    );
  });
});

describe('vetTarget (delivery, before connecting)', () => {
  const policy = compileWebhookTargets(['http://*/*', 'https://*/*'], []);
  const resolvesTo =
    (...addresses: string[]): Lookup =>
    (host) => {
      asked.push(host);
      return Promise.resolve(
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };
  let asked: string[] = [];
  beforeEach(() => {
    asked = [];
  });

  it('refuses for good a host that resolves only to refused addresses', async () => {
    expect(await vetTarget('http://rebind.test/h', policy, resolvesTo('127.0.0.1', '::1'))).toEqual(
      {
        ok: false,
        permanent: true,
        error:
          'refused: rebind.test resolves only to refused addresses: 127.0.0.1 (loopback), ::1 (loopback): webhooks go only to public addresses unless an admin lists the address in webhook-allow-addresses',
      },
    );
    expect(asked).toEqual(['rebind.test']);
  });

  it('connects only to an address it checked: the public one of a mixed answer', async () => {
    const verdict = await vetTarget(
      'https://mixed.test/h',
      policy,
      resolvesTo('10.0.0.5', '203.0.113.7'),
    );
    expect(verdict).toMatchObject({ ok: true, address: '203.0.113.7', family: 4 });
  });

  it('does not resolve an IP literal, and judges the normalised form', async () => {
    expect(await vetTarget('http://0x7f000001/h', policy, resolvesTo('203.0.113.7'))).toMatchObject(
      {
        ok: false,
        permanent: true,
        error: expect.stringContaining('127.0.0.1 is loopback') as unknown,
      },
    );
    expect(asked).toEqual([]);
  });

  it('refuses a URL the allow-list no longer matches (config changed since submit)', async () => {
    const narrow = compileWebhookTargets(['https://ci.example.com/*'], []);
    expect(await vetTarget('https://old.example.com/h', narrow, resolvesTo('203.0.113.7'))).toEqual(
      { ok: false, permanent: true, error: 'refused: the URL is not in webhook-allow' },
    );
    expect(asked).toEqual([]);
  });

  it('retries a name that does not resolve (DNS may come back)', async () => {
    const failing: Lookup = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    expect(await vetTarget('http://gone.test/h', policy, failing)).toEqual({
      ok: false,
      permanent: false,
      error: 'cannot resolve gone.test: ENOTFOUND',
    });
  });
});

describe('webhook-allow settings', () => {
  it('come as a list from the config file and comma-separated from flags and variables', () => {
    const file = parseConfigText(
      'webhook-allow:\n  - https://ci.example.com/hooks/*\n  - http://localhost:*/*\nwebhook-allow-addresses: [127.0.0.1, "::1"]\n',
      '/etc/drover.yaml',
    );
    expect(file['webhook-allow']).toEqual([
      'https://ci.example.com/hooks/*',
      'http://localhost:*/*',
    ]);
    expect(() => parseConfigText('webhook-allow: [1, 2]\n', '/x.yaml')).toThrow(
      /webhook-allow: must be a list of non-empty strings/,
    );
    const parsed = parseCoordinatorArgs(['--webhook-allow', 'https://a.test/*, https://b.test/*'], {
      DROVER_WEBHOOK_ALLOW_ADDRESSES: '127.0.0.1,::1',
    });
    if (parsed.help) throw new Error('unexpected help');
    expect(parsed.options.webhookAllow).toEqual(['https://a.test/*', 'https://b.test/*']);
    expect(parsed.options.webhookAllowAddresses).toEqual(['127.0.0.1', '::1']);
  });

  it('default to no list: notify refused', () => {
    expect(compileCoordinatorConfig({}).webhooks.targets).toEqual({
      allow: [],
      allowAddresses: [],
    });
  });
});

describe('drover-coordinator webhook-secret URL', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('drover-webhook-key-');
  });
  afterEach(() => dir.remove());

  function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = runWebhookSecretCommand(argv, {
      env: {},
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    });
    return { code, out: out.join(''), err: err.join('') };
  }

  it("prints the receiver origin's key, derived from the coordinator's secret", () => {
    writeFileSync(join(dir.path, 'webhook.secret'), 'coordinator-secret\n', { mode: 0o600 });
    const url = 'https://u:p@CI.example.com:8443/hooks/a?x=1';
    const { code, out, err } = run([
      url,
      '--data-dir',
      dir.path,
      '--webhook-allow',
      'https://ci.example.com:8443/*',
    ]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const expected = createHmac('sha256', 'coordinator-secret')
      .update('drover-webhook-target:https://ci.example.com:8443')
      .digest('hex');
    expect(out).toBe(`${expected}\n`);
    expect(targetSecret('coordinator-secret', 'https://ci.example.com:8443/other')).toBe(expected);
    expect(targetSecret('coordinator-secret', 'https://ci.example.com/hooks/a')).not.toBe(expected);
  });

  it('creates the secret as the coordinator would, and warns when the URL is not allowed', () => {
    const { code, out, err } = run(['http://hooks.test/x', '--data-dir', dir.path]);
    expect(code).toBe(0);
    const secret = readFileSync(join(dir.path, 'webhook.secret'), 'utf8').trim();
    expect(out).toBe(`${targetSecret(secret, 'http://hooks.test/')}\n`);
    expect(err).toContain('http://hooks.test is not matched by webhook-allow');
  });

  it('refuses a missing or bad URL and bad settings with exit 2', () => {
    expect(run([]).code).toBe(2);
    expect(run(['not a url']).code).toBe(2);
    expect(run(['ftp://h/x']).code).toBe(2);
    const bad = run(['http://h/x', '--data-dir', dir.path, '--webhook-allow', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('webhook-allow:');
  });
});

describe('urlWithoutCredentials', () => {
  it('replaces user:password@ by ***@ and leaves other URLs as they are', () => {
    expect(urlWithoutCredentials('https://u:p@h.test/x?y=1')).toBe('https://***@h.test/x?y=1');
    expect(urlWithoutCredentials('https://h.test/x')).toBe('https://h.test/x');
  });
});
