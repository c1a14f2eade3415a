import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

/** The bot's one root logger: JSON lines to stderr, written synchronously, tokens redacted. */
export function createRootLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { app: 'drover-bot', pid: process.pid },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
