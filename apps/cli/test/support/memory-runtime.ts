import { PassThrough } from 'node:stream';
import type { Runtime } from '../../src/context';

export interface MemoryRuntime {
  rt: Runtime;
  stdout(): Buffer;
  stdoutText(): string;
  stderrText(): string;
}

/** A Runtime whose stdout and stderr are kept in memory. */
export function memoryRuntime(env: Record<string, string>, cwd: string): MemoryRuntime {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return {
    rt: { env, cwd, stdout, stderr },
    stdout: () => Buffer.concat(out),
    stdoutText: () => Buffer.concat(out).toString('utf8'),
    stderrText: () => Buffer.concat(err).toString('utf8'),
  };
}
