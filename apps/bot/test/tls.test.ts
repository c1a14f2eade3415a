import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';
import {
  DROVER_BOT_BIN,
  run,
  startCoordinatorProcess,
  startUntil,
  stopChild,
} from './real-processes';

// The bot's and the CLI's TLS client side against a real coordinator serving TLS with the test
// certificate (CN=localhost, SAN IP:127.0.0.1, self-signed: it is its own CA).
const FIXTURES = fileURLToPath(new URL('../../coordinator/test/fixtures/tls/', import.meta.url));
const CERT = path.join(FIXTURES, 'server.crt');
const KEY = path.join(FIXTURES, 'server.key');
const CLI_BIN = fileURLToPath(new URL('../../cli/bin/drover.js', import.meta.url));

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let server = '';
let dataDir = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('drover-tls-'));
  dataDir = path.join(dir, 'coord');
  await mkdir(dataDir);
  const coord = await startCoordinatorProcess(dataDir, ['--tls-cert', CERT, '--tls-key', KEY]);
  children.push(coord.child);
  // By name, as the certificate says (DNS:localhost): grpc-js sends an IP target as the TLS
  // server name, which Node warns about on stderr (DEP0123).
  server = coord.server.replace(/^127\.0\.0\.1:/, 'localhost:');
});

afterAll(async () => {
  for (const child of children.reverse()) await stopChild(child);
  await cleanup();
});

const drover = (...args: string[]) =>
  run(
    [
      process.execPath,
      CLI_BIN,
      '--server',
      server,
      '--token-file',
      path.join(dataDir, 'client.token'),
      ...args,
    ],
    { cwd: dir },
  );

const botArgs = (id: string) => [
  process.execPath,
  DROVER_BOT_BIN,
  '--server',
  server,
  '--token-file',
  path.join(dataDir, 'bot.token'),
  '--data-dir',
  path.join(dir, id),
  '--id',
  id,
];

describe('TLS between bots, the CLI and a coordinator serving TLS', () => {
  it('connects a bot that trusts the coordinator certificate through --ca-file', async () => {
    const bot = await startUntil([...botArgs('tls-bot'), '--ca-file', CERT], 'bot ready', {
      cwd: dir,
    });
    children.push(bot.child);
    expect(bot.rec).toMatchObject({ botId: 'tls-bot', tls: 'ca-file' });
    expect(bot.stderr()).not.toMatch(/Warning/);

    const shown = await drover('--ca-file', CERT, 'bot', 'show', 'tls-bot', '--json');
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ bot_id: 'tls-bot', connected: true });
  });

  it('connects a bot whose config file names the CA file', async () => {
    const config = path.join(dir, 'bot.json');
    await writeFile(config, JSON.stringify({ 'ca-file': CERT }));
    const bot = await startUntil([...botArgs('tls-file-bot'), '--config', config], 'bot ready', {
      cwd: dir,
    });
    children.push(bot.child);
    expect(bot.rec).toMatchObject({ botId: 'tls-file-bot', tls: 'ca-file' });
  });

  it('fails a CLI call that trusts only the system roots, as a call the coordinator could not take', async () => {
    const shown = await drover('--tls', 'bots');
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/cannot reach the coordinator/);
  });

  it('exits 2 naming --ca-file when the CA file cannot be read (bot and CLI)', async () => {
    const missing = path.join(dir, 'missing.pem');
    const bot = await run([...botArgs('no-ca-bot'), '--ca-file', missing], { cwd: dir });
    expect(bot.code).toBe(2);
    expect(bot.stderr).toContain(`--ca-file: cannot read CA file ${missing} (ENOENT)`);

    const viaEnv = await run(botArgs('no-ca-bot'), {
      cwd: dir,
      env: { ...process.env, DROVER_CA_FILE: missing },
    });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain('DROVER_CA_FILE: cannot read CA file');

    const cli = await drover('--ca-file', missing, 'bots');
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`cannot read CA file ${missing}`);
  });
});
