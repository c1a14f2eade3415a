// The drover CLI: everything lives in program.ts; this only binds it to the real process.
import { processRuntime } from './context';
import { runCli } from './program';

process.exitCode = await runCli(process.argv.slice(2), processRuntime());
