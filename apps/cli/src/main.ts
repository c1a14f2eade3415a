// The drover CLI: everything lives in program.ts; this only binds it to the real process. No
// top-level await: the released single executable runs this file as CommonJS.
import { quietTlsIpServernameWarning } from '@drover/protocol';
import { processRuntime } from './context';
import { runCli } from './program';

// `--server 10.0.0.5:7070` over TLS must not print a deprecation line (tls-ip-warning.ts).
quietTlsIpServernameWarning();
void runCli(process.argv.slice(2), processRuntime()).then((code) => {
  process.exitCode = code;
});
