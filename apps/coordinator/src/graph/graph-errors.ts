import { status } from '@grpc/grpc-js';
import {
  DroverError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from '@drover/protocol';
import type { GraphRefusal } from '@drover/state';

/** Why the core refused a caller's request → the error the caller gets. */
export function refusalError(refusal: GraphRefusal | 'not-found', field = 'auth'): DroverError {
  switch (refusal) {
    case 'not-found':
      return new NotFoundError('execution');
    case 'bad-token':
      return new PermissionDeniedError(`${field}.token: not this execution's token`);
    case 'already-activated':
      return new PermissionDeniedError('the execution was activated with another token');
    case 'short-token':
      return new InvalidArgumentError('execution_token', 'at least 32 bytes');
    case 'cycle':
      return new InvalidArgumentError('dependencies', 'an edge would close a cycle');
    case 'final':
      return new FailedPreconditionError('the execution is over: its payload must exit');
    case 'not-scheduling':
    case 'not-running':
    case 'not-executing':
    case 'stale-execution':
    case 'task-mismatch':
      return new FailedPreconditionError(`the execution cannot do that now (${refusal})`);
  }
}

export class ResourceExhaustedError extends DroverError {
  constructor(message: string) {
    super(status.RESOURCE_EXHAUSTED, message);
    this.name = 'ResourceExhaustedError';
  }
}
