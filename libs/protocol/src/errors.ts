import { status } from '@grpc/grpc-js';

/**
 * An error meant for the caller. Carries the gRPC code it maps to, the request field at fault
 * (for INVALID_ARGUMENT) and whether retrying the same call can help. Mapped to a gRPC status once,
 * at the RPC edge; anything else thrown is a bug and becomes INTERNAL with no detail.
 */
export class DroverError extends Error {
  readonly code: status;
  readonly field: string | undefined;
  readonly retryable: boolean;

  constructor(
    code: status,
    message: string,
    opts: { field?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DroverError';
    this.code = code;
    this.field = opts.field;
    this.retryable = opts.retryable ?? false;
  }
}

/** INVALID_ARGUMENT for one field; the message starts with the field's path. */
export class InvalidArgumentError extends DroverError {
  constructor(field: string, problem: string) {
    super(status.INVALID_ARGUMENT, `${field}: ${problem}`, { field });
    this.name = 'InvalidArgumentError';
  }
}

export class NotFoundError extends DroverError {
  constructor(what: string) {
    super(status.NOT_FOUND, `${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends DroverError {
  constructor(message = 'missing or invalid token') {
    super(status.UNAUTHENTICATED, message);
    this.name = 'UnauthenticatedError';
  }
}

export class PermissionDeniedError extends DroverError {
  constructor(message = 'permission denied') {
    super(status.PERMISSION_DENIED, message);
    this.name = 'PermissionDeniedError';
  }
}

export class FailedPreconditionError extends DroverError {
  constructor(message: string) {
    super(status.FAILED_PRECONDITION, message);
    this.name = 'FailedPreconditionError';
  }
}
