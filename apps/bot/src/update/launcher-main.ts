import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../exit-codes';
import { Launcher, type LauncherLogLevel } from './launcher';

/**
 * launcher.js, the entry of the launcher (launcher.ts): `node <root>/launcher.js [drover-bot
 * options]`. Its root is its own directory (or, run from `<root>/versions/<v>/`, that root).
 * DROVER_LAUNCHER_READY_TIMEOUT: seconds a new version has to connect (default 120).
 * Logs JSON lines on stderr, like the bot's, with app "drover-bot-launcher".
 */

const LEVELS: Record<LauncherLogLevel, number> = { info: 30, warn: 40, error: 50 };

function log(level: LauncherLogLevel, fields: Record<string, unknown>, msg: string): void {
  const line = {
    level: LEVELS[level],
    time: Date.now(),
    app: 'drover-bot-launcher',
    pid: process.pid,
    ...fields,
    msg,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

function rootOf(launcherFile: string): string {
  const dir = path.dirname(launcherFile);
  return path.basename(path.dirname(dir)) === 'versions' ? path.dirname(path.dirname(dir)) : dir;
}

const readySecs = Number(process.env['DROVER_LAUNCHER_READY_TIMEOUT'] ?? '');
const launcher = new Launcher({
  root: rootOf(fileURLToPath(import.meta.url)),
  args: process.argv.slice(2),
  nodePath: process.execPath,
  env: process.env,
  ...(readySecs > 0 ? { readyTimeoutMs: readySecs * 1000 } : {}),
  log,
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.on(signal, () => launcher.signal(signal));

launcher.run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log('error', { err: err instanceof Error ? err.stack : String(err) }, 'launcher failed');
    process.exit(EXIT_CODES.crash);
  },
);
