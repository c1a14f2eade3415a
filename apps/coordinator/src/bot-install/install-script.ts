import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the coordinator writes into install.sh for the worker that asked for it. */
export interface InstallScriptInput {
  /** The coordinator's HTTP(S) base URL as the worker reached it, e.g. `http://build-coord:7071`. */
  readonly httpUrl: string;
  /** The gRPC address the bot will connect to, e.g. `build-coord:7070`. */
  readonly grpcServer: string;
  readonly tls: boolean;
  /** The file name under /bot/ the script downloads. */
  readonly executableName: string;
  /** The executable's SHA-256 (hex): the script refuses a download with another. */
  readonly sha256: string;
  readonly version: string;
}

/**
 * install.sh beside this module (in the release, beside the bundle): a POSIX shell script with
 * `@NAME@` placeholders. Read once.
 */
let template: string | undefined;

function readTemplate(): string {
  template ??= readFileSync(fileURLToPath(new URL('./install.sh', import.meta.url)), 'utf8');
  return template;
}

/** install.sh with the values filled in, each as one single-quoted shell word. Pure but for the template. */
export function renderInstallScript(input: InstallScriptInput, text = readTemplate()): string {
  const values: Record<string, string> = {
    DROVER_URL: input.httpUrl,
    DROVER_SERVER: input.grpcServer,
    DROVER_TLS: input.tls ? '1' : '0',
    BOT_EXECUTABLE: input.executableName,
    BOT_SHA256: input.sha256,
    DROVER_VERSION: input.version,
  };
  return text.replace(/@([A-Z0-9_]+)@/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : shellQuote(value);
  });
}

/** A single-quoted shell word that the shell reads back as `value`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The host a worker used to reach the coordinator (the Host header), if it is a plain host name,
 * IPv4 or bracketed IPv6 address with an optional port; anything else is refused (it ends up in a
 * script and a URL).
 */
export function parseHostHeader(
  host: string | undefined,
): { readonly host: string; readonly port: number | undefined } | undefined {
  if (host === undefined) return undefined;
  const m =
    /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(
      host,
    );
  if (m === null) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { host: m[1]!, port };
}
