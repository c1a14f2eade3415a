/** Node's code for "Setting the TLS ServerName to an IP address is not permitted by RFC 6066". */
const TLS_IP_SERVERNAME = 'DEP0123';

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

const quieted = new WeakSet<object>();

/**
 * Drops Node's DEP0123 deprecation warning and only it. grpc-js sets a TLS channel's server name
 * to the host it dials, so every TLS channel to a coordinator given by IP address (`--server
 * 10.0.0.5:7070`, a bot's `--server`, the coordinator's Connect bridge dialling its own listener)
 * made Node print "DeprecationWarning: Setting the TLS ServerName to an IP address…" on stderr —
 * on every CLI command. Nothing is lost by not saying it: TLS sends no server name for an IP
 * address (RFC 6066), and the certificate is still checked against the address. Every other
 * warning is emitted as before. Idempotent; `proc` is the process (a stand-in in tests).
 */
export function quietTlsIpServernameWarning(
  proc: { emitWarning: EmitWarning } = process as unknown as { emitWarning: EmitWarning },
): void {
  if (quieted.has(proc)) return;
  quieted.add(proc);
  const emit = proc.emitWarning;
  proc.emitWarning = function emitWarning(
    this: unknown,
    warning: string | Error,
    ...rest: unknown[]
  ): void {
    if (warningCode(warning, rest) === TLS_IP_SERVERNAME) return;
    emit.call(this, warning, ...rest);
  };
}

/** The code of a warning as process.emitWarning takes it: (w, type, code) or (w, { code }). */
function warningCode(warning: string | Error, rest: readonly unknown[]): unknown {
  if (warning instanceof Error) return (warning as { code?: unknown }).code;
  const [second, third] = rest;
  if (typeof second === 'object' && second !== null) return (second as { code?: unknown }).code;
  return third;
}
