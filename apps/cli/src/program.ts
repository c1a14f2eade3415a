import { versionLine } from '@drover/protocol';
import { CommanderError, type Command } from 'commander';
import { registerAudit } from './audit';
import { registerBots } from './bots';
import { registerCancel } from './cancel';
import { registerAccess } from './access';
import { registerCas } from './cas';
import { registerCollect } from './collect';
import { describeBug, printError, type CommandHost, type Runtime } from './context';
import { DroverCommand } from './drover-command';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { registerLogin } from './login';
import { registerLogs } from './logs';
import { registerOutputs } from './outputs';
import { registerResult } from './result';
import { registerRun } from './run';
import { registerSubmit } from './submit';
import { registerTasks } from './tasks';
import { registerGraph } from './graph';
import { registerGetRequest } from './get-request';
import { registerReproduce } from './reproduce';
import { registerRetry } from './retry';
import { registerToken } from './token';
import { registerWait } from './wait';
import { registerWatch } from './watch';

const ENVIRONMENT_HELP = `Environment:
  DROVER_SERVER      coordinator address (default 127.0.0.1:7070)
  DROVER_TOKEN       bearer token
  DROVER_TOKEN_FILE  file holding the token
  DROVER_HTTP        coordinator HTTP address, for drover login (default: next port)
  DROVER_CONFIG_DIR  where drover login caches tokens (default ~/.config/drover)
  DROVER_TLS=1       use TLS; DROVER_CA_FILE: PEM roots to trust
  DROVER_TASK_ID     set inside a task: submit sends it as parent_task_id (--no-parent: not)
  Flags win over variables. With no token given, the nearest .drover/client.token
  in this directory or a parent is used, else the cached drover login.`;

const EXAMPLE_HELP = `Examples:
  id=$(drover submit -d pool=default -- make test) && drover wait "$id"; drover logs "$id"
  drover tasks --state completed_failure --tag build:42 --since 2h --json | jq -r .task_id
  drover cancel --tag build:42 --kill
  drover watch --tag build:42 --json; drover tasks --parent "$DROVER_TASK_ID"
  drover bots -d pool=ci --alive --idle; drover bot show build-7; drover bots dimensions --pool ci
  drover bot quarantine build-7 --reason 'disk errors'; drover bot events build-7
  drover bot terminate build-7 --wait && drover bot delete build-7`;

/** The `drover` command tree; actions report their exit code through `host`. */
export function buildProgram(host: CommandHost): Command {
  const { rt } = host;
  const program = new DroverCommand('drover')
    .description('Submit, watch, list and cancel Drover tasks; look after the fleet of bots.')
    .option('--server <host:port>', 'coordinator gRPC address')
    .option('--token <token>', 'bearer token')
    .option('--token-file <path>', 'file holding the bearer token')
    .option('--tls', 'connect with TLS')
    .option('--ca-file <path>', 'PEM roots to trust (implies --tls)')
    // Commander's .version() wants the text up front; from sources that costs git calls, so the
    // line is made only when asked for (then it ends the parse, as .version() would).
    .option('-V, --version', 'print the version and the git commit')
    .on('option:version', () => {
      const line = versionLine('drover');
      rt.stdout.write(`${line}\n`);
      throw new CommanderError(0, 'commander.version', line);
    })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => rt.stdout.write(text),
      writeErr: (text) => rt.stderr.write(text),
      outputError: (text, writeErr) => writeErr(`drover: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n\n${EXAMPLE_HELP}`);
  // Subcommands made with .command() inherit exitOverride and configureOutput from here.
  registerSubmit(program, host);
  registerWait(program, host);
  registerCollect(program, host);
  registerRun(program, host);
  registerWatch(program, host);
  registerLogs(program, host);
  registerOutputs(program, host);
  registerResult(program, host);
  registerGetRequest(program, host);
  registerRetry(program, host);
  registerReproduce(program, host);
  registerCancel(program, host);
  registerTasks(program, host);
  registerBots(program, host);
  registerToken(program, host);
  registerAudit(program, host);
  registerAccess(program, host);
  registerLogin(program, host);
  registerGraph(program, host);
  registerCas(program, host);
  return program;
}

/** Runs the CLI on `args` (without node and the script) and returns the process exit code. */
export async function runCli(args: readonly string[], rt: Runtime): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram({ rt, exitWith: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return exitCode;
  } catch (err) {
    // Commander has already printed its message; help and --version exit 0, the rest is usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    // Calls' errors are handled in withClient: anything here is a bug.
    await printError(rt, describeBug(err));
    return EXIT.RPC_ERROR;
  }
}
