import { describe, expect, it } from 'vitest';
import { DroverClientError, GrpcStatus, type TaskStateWire } from '@drover/client';
import {
  EXIT,
  exitCodeForError,
  exitCodeForResult,
  mergedExitCode,
  processExitCode,
} from '../src/exit-codes';

describe('exitCodeForResult', () => {
  const table: Array<[TaskStateWire, number | undefined, number | undefined]> = [
    ['INVALID', undefined, undefined],
    ['PENDING', undefined, undefined],
    ['RUNNING', undefined, undefined],
    ['COMPLETED', 0, 0],
    ['COMPLETED', 3, 3],
    ['COMPLETED', 255, 255],
    ['COMPLETED', -9, 137],
    ['COMPLETED', 256, 255],
    ['COMPLETED', undefined, 255],
    ['EXPIRED', undefined, 65],
    ['TIMED_OUT', -15, 66],
    ['BOT_DIED', undefined, 67],
    ['CANCELED', undefined, 68],
    ['KILLED', -15, 69],
    ['NO_RESOURCE', undefined, 70],
    ['CLIENT_ERROR', undefined, 71],
  ];
  it.each(table)('%s with exit code %s → %s', (state, exitCode, expected) => {
    expect(exitCodeForResult({ state, exit_code: exitCode })).toBe(expected);
  });
});

describe('mergedExitCode', () => {
  const done = (exit_code: number) => ({ state: 'COMPLETED' as const, exit_code });
  it('is 0 when every task COMPLETED with exit 0', () => {
    expect(mergedExitCode([done(0), done(0)])).toBe(EXIT.OK);
  });
  it('is the code of the first task, in the order given, that did not', () => {
    expect(mergedExitCode([done(0), done(3), { state: 'KILLED', exit_code: -15 }])).toBe(3);
    expect(
      mergedExitCode([{ state: 'KILLED', exit_code: -15 }, { state: 'NO_RESOURCE' }, done(3)]),
    ).toBe(69);
    expect(mergedExitCode([done(0), done(-9)])).toBe(137);
  });
  it('is undefined while a task is not final, and 0 for no task', () => {
    expect(mergedExitCode([done(1), { state: 'RUNNING' }])).toBeUndefined();
    expect(mergedExitCode([])).toBe(EXIT.OK);
  });
});

describe('processExitCode', () => {
  it.each([
    [0, 0],
    [1, 1],
    [255, 255],
    [-1, 129],
    [-15, 143],
    [-127, 255],
    [-128, 255],
    [300, 255],
    [1.5, 255],
    [undefined, 255],
  ])('%s → %d', (exitCode, expected) => {
    expect(processExitCode(exitCode)).toBe(expected);
  });
});

describe('exitCodeForError', () => {
  const error = (code: GrpcStatus) => new DroverClientError(code, 'x: y', '127.0.0.1:1');
  it.each([
    [GrpcStatus.INVALID_ARGUMENT, EXIT.USAGE],
    [GrpcStatus.NOT_FOUND, EXIT.RPC_ERROR],
    [GrpcStatus.UNAUTHENTICATED, EXIT.RPC_ERROR],
    [GrpcStatus.PERMISSION_DENIED, EXIT.RPC_ERROR],
    [GrpcStatus.UNAVAILABLE, EXIT.RPC_ERROR],
    [GrpcStatus.DEADLINE_EXCEEDED, EXIT.RPC_ERROR],
    [GrpcStatus.INTERNAL, EXIT.RPC_ERROR],
  ])('status %i → %i', (code, expected) => {
    expect(exitCodeForError(error(code))).toBe(expected);
  });
  it('treats anything else as exit 1', () => {
    expect(exitCodeForError(new Error('bug'))).toBe(EXIT.RPC_ERROR);
  });
});
