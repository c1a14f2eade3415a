// The released `drover`: the CLI of apps/cli bound to the real process, as apps/cli/src/main.ts
// does, without top-level await (a single executable's main script is CommonJS on Node 20).
import { processRuntime } from '../../../../apps/cli/src/context';
import { runCli } from '../../../../apps/cli/src/program';

void runCli(process.argv.slice(2), processRuntime()).then((code) => {
  process.exitCode = code;
});
