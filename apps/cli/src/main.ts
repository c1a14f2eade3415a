// The drover CLI: everything lives in program.ts; this only binds it to the real process. No
// top-level await: the released single executable runs this file as CommonJS.
import { processRuntime } from './context';
import { runCli } from './program';

void runCli(process.argv.slice(2), processRuntime()).then((code) => {
  process.exitCode = code;
});
