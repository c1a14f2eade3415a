import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './config';

/** Paths pino censors in every record: tokens never reach a log. */
export const REDACT_PATHS = [
  'token',
  'authorization',
  '*.token',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * The root logger of the process: JSON lines by default, or pino-pretty for people (`auto` picks
 * pretty when stdout is a terminal). Components take `child({ component })` of it.
 */
export function createRootLogger(
  opts: { level: string; format: LogFormat },
  out: { isTTY: boolean; destination?: DestinationStream },
): Logger {
  const options = {
    level: opts.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  const usePretty = opts.format === 'pretty' || (opts.format === 'auto' && out.isTTY);
  if (usePretty) {
    return pino(
      options,
      pretty({
        colorize: out.isTTY,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        ...(out.destination === undefined ? {} : { destination: out.destination }),
      }),
    );
  }
  return out.destination === undefined ? pino(options) : pino(options, out.destination);
}
