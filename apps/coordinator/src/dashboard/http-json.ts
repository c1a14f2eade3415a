import { status } from '@grpc/grpc-js';
import {
  canonicalJson,
  DroverError,
  InvalidArgumentError,
  PermissionDeniedError,
  UnauthenticatedError,
} from '@drover/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';

/** Largest JSON body the dashboard API reads. */
const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Answers 200 with `value`, a `drover.v1.<typeName>` message as the gRPC handlers build it, in
 * canonical JSON (docs/json.md): what the Connect protocol answers for the same call.
 */
export function sendMessage(res: ServerResponse, typeName: string, value: object): void {
  sendJson(res, 200, canonicalJson(typeName, value));
}

/** The HTTP status of a gRPC code (DroverErrors carry gRPC codes; the edge maps them once). */
function httpStatusOf(code: status): number {
  switch (code) {
    case status.UNAUTHENTICATED:
      return 401;
    case status.PERMISSION_DENIED:
      return 403;
    case status.NOT_FOUND:
      return 404;
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return 400;
    case status.FAILED_PRECONDITION:
    case status.ALREADY_EXISTS:
    case status.ABORTED:
      return 409;
    case status.RESOURCE_EXHAUSTED:
      return 429;
    case status.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

/**
 * Answers an error: DroverErrors with their message and mapped status, anything else (a bug) as
 * a bare 500 after `onBug` logged it.
 */
export function sendError(res: ServerResponse, err: unknown, onBug: (err: unknown) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof DroverError) {
    const code = httpStatusOf(err.code);
    if (code === 401) res.setHeader('www-authenticate', 'Bearer');
    if (code !== 500) {
      sendJson(res, code, { error: err.message, ...(err.field ? { field: err.field } : {}) });
      return;
    }
  }
  onBug(err);
  sendJson(res, 500, { error: 'internal error (see the coordinator log)' });
}

/** The client principal of a request's `authorization: Bearer` header; throws 401/403 errors. */
export function clientOf(tokens: TokenAuthority, req: IncomingMessage): Principal {
  return clientOfToken(tokens, req.headers.authorization);
}

export function clientOfToken(
  tokens: TokenAuthority,
  authorization: string | undefined,
): Principal {
  const principal = tokens.authenticate(authorization);
  if (principal === undefined) {
    const refusal = tokens.refusal(authorization);
    throw new UnauthenticatedError(
      refusal !== undefined
        ? `token refused: ${refusal}`
        : 'missing or invalid token: send authorization: Bearer',
    );
  }
  if (principal.kind !== 'client') {
    throw new PermissionDeniedError(`a ${principal.kind} token cannot use the dashboard`);
  }
  return principal;
}

/** Reads a small JSON object body ({} when empty). */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new InvalidArgumentError('body', `at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InvalidArgumentError('body', 'not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('body', 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A string field of a body ('' when absent); INVALID_ARGUMENT when of another type. */
export function stringField(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new InvalidArgumentError(field, 'must be a string');
  return v;
}

/** A non-negative integer query parameter, `fallback` when absent. */
export function intParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new InvalidArgumentError(name, `must be an integer between 0 and ${max}`);
  }
  return n;
}
