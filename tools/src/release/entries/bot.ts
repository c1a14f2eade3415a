// The released `drover-bot`: the bot of apps/bot, or, when started in probe mode by a bot (see
// probe-dimensions.ts), the short-lived systeminformation probe. Both are loaded on demand.
import { PROBE_MODE_ENV } from '../../../../apps/bot/src/probe-dimensions';

const probeDeadline = process.env[PROBE_MODE_ENV];
if (probeDeadline !== undefined) {
  void import('../../../../apps/bot/src/probe-system-facts.js').then((m) =>
    m.printSystemFacts(Number(probeDeadline)),
  );
} else {
  void import('../../../../apps/bot/src/main');
}
