import type { LookupFunction } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AttemptOutcome } from './webhook-notifier';

/** One POST of a notification to a vetted target (see vetTarget). */
export interface PostInput {
  readonly url: URL;
  /** The address vetTarget checked: the only one this connects to. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/**
 * POSTs `body` to the vetted address: the socket's lookup answers with that address (no second
 * DNS lookup a rebinding answer could change), the Host header and TLS name stay the URL's host,
 * URL credentials go as Basic auth. No redirect is followed (a 3xx is a failed attempt); the
 * answer's body is never read.
 */
export function postWebhook(input: PostInput): Promise<AttemptOutcome> {
  const { url, address, family } = input;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const auth =
    url.username === '' && url.password === ''
      ? undefined
      : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptOutcome>((resolve) => {
    const req = request(
      {
        method: 'POST',
        hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: {
          ...input.headers,
          host: url.host,
          'content-length': String(Buffer.byteLength(input.body)),
        },
        auth,
        lookup,
        agent: false,
        signal: input.signal,
      },
      (res) => {
        const code = res.statusCode ?? 0;
        res.destroy();
        resolve(
          code >= 200 && code < 300
            ? { ok: true }
            : {
                ok: false,
                error:
                  code >= 300 && code < 400
                    ? `HTTP ${code} (redirects are not followed)`
                    : `HTTP ${code}`,
              },
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const reason: unknown = input.signal.aborted ? input.signal.reason : err;
      resolve({ ok: false, error: describeError(reason) });
    });
    req.end(input.body);
  });
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.name === 'TimeoutError' ? 'timed out' : err.message;
}
