import { status, type ServiceError } from '@grpc/grpc-js';

/** The name of a gRPC status code (`INVALID_ARGUMENT`), or its number for an unknown one. */
export function statusName(code: number): string {
  return (status as unknown as Record<number, string | undefined>)[code] ?? String(code);
}

/** A field path as the coordinator puts it first in an INVALID_ARGUMENT message. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*$/;

/**
 * The request field an INVALID_ARGUMENT message names: the coordinator writes
 * `"<field path>: <problem>"`, e.g. `"task_slices[0].properties.command: must not be empty"`.
 */
export function fieldFromDetails(details: string): string | undefined {
  const colon = details.indexOf(': ');
  if (colon <= 0) return undefined;
  const candidate = details.slice(0, colon);
  return FIELD_PATH.test(candidate) ? candidate : undefined;
}

/** A call to the coordinator failed with a gRPC status. */
export class DroverClientError extends Error {
  /** The gRPC status code (`status.NOT_FOUND`, …). */
  readonly code: status;
  /** The status name, e.g. `NOT_FOUND`. */
  readonly codeName: string;
  /** The server's message, without the `"5 NOT_FOUND: "` prefix grpc-js adds. */
  readonly details: string;
  /** For INVALID_ARGUMENT: the request field at fault, when the message names one. */
  readonly field: string | undefined;
  /** The address the client was talking to. */
  readonly server: string;

  constructor(code: status, details: string, server: string, opts: { cause?: unknown } = {}) {
    super(
      details === '' ? statusName(code) : details,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.name = 'DroverClientError';
    this.code = code;
    this.codeName = statusName(code);
    this.details = details;
    this.field = code === status.INVALID_ARGUMENT ? fieldFromDetails(details) : undefined;
    this.server = server;
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/** Wraps whatever a grpc-js call failed with; anything that is not a gRPC status is left alone. */
export function toClientError(err: unknown, server: string): unknown {
  if (err instanceof DroverClientError || !isServiceError(err)) return err;
  return new DroverClientError(err.code, err.details, server, { cause: err });
}
