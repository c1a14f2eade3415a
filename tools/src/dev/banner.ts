import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { CTRL_C_HELP } from './stop-steps';

export interface BannerFacts {
  /** The addresses the coordinator bound (its 'coordinator ready' record): real ports, never 0. */
  readonly grpc: string;
  readonly http: string;
  readonly tls: boolean;
  /** Absolute. */
  readonly dataDir: string;
  /** The directory the user runs commands in (the CLI looks for .drover/ there and above). */
  readonly cwd: string;
  readonly botId: string;
}

/** The CLI's default server: with another one the example says DROVER_SERVER. */
const CLI_DEFAULT_SERVER = '127.0.0.1:7070';

/** What `npm start` prints once the coordinator and the bot are ready. */
export function banner(f: BannerFacts): string {
  const rel = relative(f.cwd, f.dataDir) || '.';
  const scheme = f.tls ? 'https' : 'http';
  // The CLI finds .drover/client.token in the working directory or a parent of it.
  const tokenFound = basename(f.dataDir) === '.drover' && isInside(f.cwd, dirname(f.dataDir));
  const env = [
    ...(f.grpc === CLI_DEFAULT_SERVER ? [] : [`DROVER_SERVER=${f.grpc}`]),
    ...(tokenFound ? [] : [`DROVER_TOKEN_FILE=${join(f.dataDir, 'client.token')}`]),
  ];
  const setup = env.length === 0 ? '' : `    export ${env.join(' ')}\n`;
  return `
  Drover is running.
    gRPC         ${f.grpc}
    HTTP         ${scheme}://${f.http}/healthz
    dashboard    ${scheme}://${f.http}/  (sign in with the token in ${rel}/client.token)
    store        ${rel}/drover.sqlite (SQLite)
    tokens       ${rel}/client.token${tokenFound ? ' (the CLI finds it)' : ''}, ${rel}/bot.token
    bot          ${f.botId} in pool "default"

  Try it, in another shell in this directory:
${setup}    id=$(npx drover submit -d pool=default -- sh -c 'echo hi; exit 3')
    npx drover wait $id          # PENDING → RUNNING → COMPLETED, exits 3
    npx drover logs $id          # hi
    npx drover result $id --json

  ${CTRL_C_HELP}

`;
}

function isInside(dir: string, ancestor: string): boolean {
  const rel = relative(ancestor, dir);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
