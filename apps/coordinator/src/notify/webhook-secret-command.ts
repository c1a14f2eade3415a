import { ConfigError, compileCoordinatorConfig, parseCoordinatorArgs } from '../config';
import { loadOrCreateWebhookSecret, targetSecret } from './webhook-secret';
import { urlAllowed } from './webhook-targets';

export const WEBHOOK_SECRET_USAGE = `Usage: drover-coordinator webhook-secret URL [settings flags, e.g. --config FILE]

Prints the key a webhook receiver at URL verifies X-Drover-Signature with: one key per receiver
origin (scheme://host:port), derived from the coordinator's webhook-secret-file, which the
coordinator's settings (--config, --data-dir, --webhook-secret-file, DROVER_*) locate.
`;

interface Io {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** `drover-coordinator webhook-secret URL …`: the exit code (0, or 2 for a usage error). */
export function runWebhookSecretCommand(argv: readonly string[], io: Io): number {
  const [url, ...rest] = argv;
  if (url === undefined || url === '-h' || url === '--help') {
    (url === undefined ? io.stderr : io.stdout).write(WEBHOOK_SECRET_USAGE);
    return url === undefined ? 2 : 0;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    io.stderr.write(`drover-coordinator webhook-secret: not a valid URL: ${JSON.stringify(url)}\n`);
    return 2;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    io.stderr.write('drover-coordinator webhook-secret: the URL must be http:// or https://\n');
    return 2;
  }
  try {
    const args = parseCoordinatorArgs(rest, io.env);
    if (args.help) {
      io.stdout.write(WEBHOOK_SECRET_USAGE);
      return 0;
    }
    const config = compileCoordinatorConfig(args.options);
    const { secret } = loadOrCreateWebhookSecret(config.webhooks.secretFile);
    if (!urlAllowed(parsed, config.webhooks.targets)) {
      io.stderr.write(
        `drover-coordinator webhook-secret: warning: ${parsed.origin} is not matched by webhook-allow: tasks cannot notify it yet\n`,
      );
    }
    io.stdout.write(`${targetSecret(secret, url)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`drover-coordinator webhook-secret: ${err.message}\n`);
    return 2;
  }
}
