import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  loadDroverProto,
  type BotApiClient,
  type OutputFileChunk,
  type UploadOutputsResponseOut,
} from '@drover/protocol';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOutputFiles, skippedNote } from '../src/output-files';
import { uploadOutputFiles } from '../src/output-upload';
import { deliverOutputs } from '../src/task-outputs';
import type { RunResult } from '../src/runner';
import { tempDir } from './helpers';

/**
 * DROVER_OUTDIR as the bot reads it — maybe as root, files a payload wrote: never through a
 * symbolic link (to the bot's token file, to /etc). Uploads go to a real gRPC server on loopback
 * that keeps every byte it receives.
 */

const TOKEN = 'the-bot-token-0123456789';
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

let root: string;
let outDir: string;
let tokenFile: string;
let cleanup: () => Promise<void>;
let server: grpc.Server;
let client: BotApiClient;
/** Every chunk received, by path. */
let received: Map<string, Buffer>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  root = realpathSync(root);
  outDir = path.join(root, 'out', 't1');
  mkdirSync(outDir, { recursive: true });
  mkdirSync(path.join(root, 'secret'));
  tokenFile = path.join(root, 'secret', 'bot.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  received = new Map();
  server = new grpc.Server();
  const { BotApi } = loadDroverProto().drover.v1;
  server.addService(BotApi.service, {
    UploadOutputs: (
      call: grpc.ServerReadableStream<OutputFileChunk, UploadOutputsResponseOut>,
      done: grpc.sendUnaryData<UploadOutputsResponseOut>,
    ) => {
      call.on('data', (c: OutputFileChunk) => {
        const path = String(c.path);
        const data = Buffer.from(c.data ?? Buffer.alloc(0));
        received.set(path, Buffer.concat([received.get(path) ?? Buffer.alloc(0), data]));
      });
      call.on('end', () => {
        const bytes = [...received.values()].reduce((n, b) => n + b.length, 0);
        done(null, { files: received.size, bytes });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  client = new BotApi(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});
afterEach(async () => {
  client.close();
  server.forceShutdown();
  await cleanup();
});

/** What a payload might leave: files, and links out to the token file and to a dir. */
function leaveOutputs(): void {
  writeFileSync(path.join(outDir, 'report.txt'), 'report\n');
  mkdirSync(path.join(outDir, 'nested'));
  writeFileSync(path.join(outDir, 'nested', 'b.bin'), 'bb');
  symlinkSync(tokenFile, path.join(outDir, 'token'));
  symlinkSync(path.join(root, 'secret'), path.join(outDir, 'secret-dir'));
  execFileSync('mkfifo', [path.join(outDir, 'pipe')]);
}

describe('listOutputFiles', () => {
  it('lists regular files only; links and other special files are skipped, with why', async () => {
    leaveOutputs();
    const listing = await listOutputFiles(outDir);
    expect(listing.files.map((f) => [f.path, f.size, f.digest])).toEqual([
      ['nested/b.bin', 2, sha256('bb')],
      ['report.txt', 7, sha256('report\n')],
    ]);
    expect(listing.skipped).toEqual([
      { path: 'pipe', why: 'not a regular file' },
      { path: 'secret-dir', why: 'a symbolic link' },
      { path: 'token', why: 'a symbolic link' },
    ]);
    expect(skippedNote(listing.skipped)).toBe(
      "not uploaded from DROVER_OUTDIR, only regular files are: 'pipe' (not a regular file), " +
        "'secret-dir' (a symbolic link), 'token' (a symbolic link)",
    );
    expect(skippedNote(listing.skipped, 1)).toMatch(/'pipe' \(not a regular file\) and 2 more$/);
  });
});

describe('listOutputFiles of an out dir that is a link', () => {
  it('reads nothing through it', async () => {
    rmSync(outDir, { recursive: true });
    symlinkSync(path.join(root, 'secret'), outDir);
    const listing = await listOutputFiles(outDir);
    expect(listing.files).toEqual([]);
    expect(listing.skipped).toEqual([{ path: '.', why: 'DROVER_OUTDIR is not a directory' }]);
  });
});

describe('deliverOutputs', () => {
  const ended: RunResult = {
    exitCode: 0,
    durationSecs: 1,
    timedOut: 'none',
    killed: false,
    canceled: false,
    outputSize: 0,
  };
  const deliver = () =>
    deliverOutputs({
      result: ended,
      outDir,
      client: () => client,
      token: 'tok',
      botId: 'bot-a',
      taskId: 't1',
      leaseId: 'l1',
      maxBytes: 1024 ** 2,
      log: pino({ level: 'silent' }),
      retryDelaysMs: [],
    });

  it('uploads the files, never what a link points to, and the note says why', async () => {
    leaveOutputs();
    const outputs = await deliver();
    expect(outputs?.files.map((f) => f.path)).toEqual(['nested/b.bin', 'report.txt']);
    expect(outputs?.truncated).toBe(false);
    expect(outputs?.note).toMatch(/'token' \(a symbolic link\)/);
    expect([...received.keys()].sort()).toEqual(['nested/b.bin', 'report.txt']);
    for (const data of received.values()) expect(data.toString()).not.toContain(TOKEN);
    expect(existsSync(outDir)).toBe(false);
  });

  it('says so when a link is all there was', async () => {
    symlinkSync(tokenFile, path.join(outDir, 'token'));
    expect(await deliver()).toEqual({
      files: [],
      truncated: false,
      note: "not uploaded from DROVER_OUTDIR, only regular files are: 'token' (a symbolic link)",
    });
    expect(received.size).toBe(0);
  });
});

describe('uploadOutputFiles', () => {
  it('fails, sending nothing of it, when a listed file became a link', async () => {
    writeFileSync(path.join(outDir, 'a.txt'), 'a');
    const listing = await listOutputFiles(outDir);
    rmSync(path.join(outDir, 'a.txt'));
    symlinkSync(tokenFile, path.join(outDir, 'a.txt'));
    const target = { client, token: 'tok', botId: 'bot-a', taskId: 't1', leaseId: 'l1' };
    expect(await uploadOutputFiles(target, listing.files)).toEqual({
      ok: false,
      retriable: false,
      why: 'cannot read a.txt: a symbolic link',
    });
    for (const data of received.values()) expect(data.toString()).not.toContain(TOKEN);
  });
});
