// The released `drover-bot` single executable's main (tools/src/packaging): the bot (main.ts), or,
// when a bot starts the executable in probe mode (probe-dimensions.ts), the short-lived
// systeminformation probe. Each is loaded only when it runs.
import { PROBE_MODE_ENV } from './probe-dimensions';

const probeDeadline = process.env[PROBE_MODE_ENV];
if (probeDeadline !== undefined) {
  void import('./probe-system-facts.js').then((m) => m.printSystemFacts(Number(probeDeadline)));
} else {
  void import('./main');
}
