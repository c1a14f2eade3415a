// A process holding many simulated bots (BenchBot, each on its own TCP connection) that only
// heartbeat, for the fleet scenario. argv[2]: FleetBotsArgs as JSON. Reports progress over IPC;
// closes every bot and exits on 'stop' or when its parent goes away.
import { BenchBot } from '../../clients/bench-bot';
import { inFlight } from '../../harness/in-flight';
import type { FleetBotsArgs, FromFleetBots, ToFleetBots } from './fleet-ipc';

const args = JSON.parse(process.argv[2] ?? 'null') as FleetBotsArgs | null;
if (args === null || !process.send) {
  process.stderr.write('fleet-bots-process: run by tools/bench with its arguments as JSON\n');
  process.exit(2);
}

const bots: BenchBot[] = [];
let connected = 0;
let failed = 0;
let lost = 0;
let firstError: string | undefined;
let stopping = false;

const report = (type: FromFleetBots['type']) =>
  process.send?.({ type, connected, failed, lost, firstError } satisfies FromFleetBots);

const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const bot of bots) bot.close();
  process.exit(0);
};
process.on('message', (m: ToFleetBots) => m.type === 'stop' && stop());
process.on('disconnect', stop);

const ticker = setInterval(() => report('progress'), 1000);
await inFlight(args.count, args.connectInFlight, async (i) => {
  if (stopping) return;
  try {
    const bot = await BenchBot.connect({
      address: args.address,
      token: args.token,
      botId: `${args.prefix}${i}`,
      dimensions: { pool: ['fleet'] },
      quiet: true,
      ownConnection: true,
      welcomeTimeoutMs: 30_000,
    });
    bots.push(bot);
    connected++;
    bot.assigns.take(2 ** 31 - 1).catch(() => {
      if (!stopping) lost++;
    });
  } catch (err) {
    failed++;
    firstError ??= (err as Error).message;
  }
});
clearInterval(ticker);
report('connected');
// Keeps reporting (streams lost while the fleet is watched).
setInterval(() => report('connected'), 1000);
