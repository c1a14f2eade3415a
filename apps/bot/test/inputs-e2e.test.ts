import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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

/**
 * Input trees and secret bytes end to end: a real coordinator (its Cas service), a real
 * drover-bot, the drover CLI. A tree of 1,000 files (executables, nested dirs, a 50 MiB file, a
 * symlink, an empty dir) uploaded by `drover submit --input`; the payload sees every byte and
 * mode; a second upload sends nothing; a second task on the same bot downloads nothing; a blob
 * tampered with in the bot's cache is fetched again; secret bytes reach the payload's file only.
 */

const CLI_BIN = fileURLToPath(new URL('../../cli/bin/drover.js', import.meta.url));

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let server = '';
let dataDir = '';
let botDir = '';
let inputDir = '';
const children: ChildProcess[] = [];
let botLog: () => string = () => '';
const files = new Map<string, { data: Buffer; executable: boolean }>();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

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

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('drover-inputs-e2e-'));
  dataDir = path.join(dir, 'coord');
  await mkdir(dataDir);
  const coord = await startCoordinatorProcess(dataDir);
  children.push(coord.child);
  server = coord.server;
  const botData = path.join(dir, 'bot-data');
  botDir = path.join(botData, 'bots', 'inputs-bot');
  const bot = await startUntil(
    [
      process.execPath,
      DROVER_BOT_BIN,
      '--server',
      server,
      '--token-file',
      path.join(dataDir, 'bot.token'),
      '--data-dir',
      botData,
      '--id',
      'inputs-bot',
    ],
    'bot ready',
    { cwd: dir },
  );
  children.push(bot.child);
  botLog = bot.stderr;

  inputDir = path.join(dir, 'input');
  const add = (rel: string, data: Buffer, executable = false) => {
    const p = path.join(inputDir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, data);
    chmodSync(p, executable ? 0o755 : 0o644);
    files.set(rel, { data, executable });
  };
  add('big/blob.bin', randomBytes(50 * 1024 * 1024));
  add('bin/tool.sh', Buffer.from('#!/bin/sh\necho tool "$@"\n'), true);
  for (let i = 0; i < 998; i++)
    add(`d${i % 10}/e${i % 7}/f${i}.txt`, Buffer.from(`file ${i}\n`), i % 25 === 0);
  mkdirSync(path.join(inputDir, 'empty', 'dir'), { recursive: true });
  symlinkSync('../bin/tool.sh', path.join(inputDir, 'd0', 'tool-link'));
}, 120_000);

afterAll(async () => {
  for (const child of children.reverse()) await stopChild(child);
  await cleanup();
});

/** Lists the work dir: `type mode path [target]` sorted, then `---`, then every file's sha256. */
const LIST = `find . -mindepth 1 -printf '%y %m %p %l\\n' | LC_ALL=C sort; echo ---; find . -type f | LC_ALL=C sort | xargs -r sha256sum`;

function expectedListing(): string {
  const entries: string[] = [];
  const dirs = new Set<string>(['empty', 'empty/dir']);
  for (const rel of [...files.keys(), 'd0/tool-link']) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of dirs) entries.push(`d 755 ./${d} `);
  for (const [rel, f] of files) entries.push(`f ${f.executable ? 555 : 444} ./${rel} `);
  entries.push('l 777 ./d0/tool-link ../bin/tool.sh');
  const sorted = (xs: string[]) =>
    xs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const sums = sorted([...files.keys()].map((rel) => `./${rel}`)).map(
    (p) => `${sha(files.get(p.slice(2))!.data)}  ${p}`,
  );
  return `${sorted(entries).join('\n')}\n---\n${sums.join('\n')}\n`;
}

async function submitAndWait(...args: string[]): Promise<{ id: string; submitStderr: string }> {
  const submitted = await drover('submit', '-d', 'pool=default', ...args);
  expect(submitted.stderr + submitted.stdout, 'submit').toBeTruthy();
  expect(submitted.code, submitted.stderr).toBe(0);
  const id = submitted.stdout.trim();
  const waited = await drover('wait', id);
  expect(waited.code, waited.stderr).toBe(0);
  return { id, submitStderr: submitted.stderr };
}

async function resultOf(id: string): Promise<Record<string, unknown>> {
  const r = await drover('result', id, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const logsOf = async (id: string) => (await drover('logs', id)).stdout;

/** What the bot logged of the task's end (`task ended`: exit code, inputs fetched…). */
function endedLine(id: string): Record<string, unknown> {
  for (const line of botLog().split('\n')) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec['msg'] === 'task ended' && rec['taskId'] === id) return rec;
  }
  throw new Error(`the bot logged no end of ${id}`);
}

describe('input trees end to end', () => {
  it('a 1,000-file tree: every byte and mode; nothing uploaded or downloaded twice; a tampered cached blob fetched again', async () => {
    const first = await submitAndWait('--input', inputDir, '--', 'sh', '-c', LIST);
    expect(await logsOf(first.id)).toBe(expectedListing());
    const r1 = await resultOf(first.id);
    expect(r1['state']).toBe('COMPLETED');
    const totalBytes = [
      ...new Map([...files.values()].map((f) => [sha(f.data), f.data.length])).values(),
    ].reduce((a, b) => a + b, 0);
    // Every file blob once, and the tree's listing (as the bot says in TaskFinished).
    expect(Number(endedLine(first.id)['inputsFetchedBytes'])).toBeGreaterThan(totalBytes);
    expect(Number(endedLine(first.id)['inputsFetchSecs'])).toBeGreaterThan(0);

    // The same files again: FindMissing says nothing is missing.
    const again = await drover('cas', 'upload', inputDir, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(Number((JSON.parse(again.stdout) as Record<string, unknown>)['uploaded_blobs'])).toBe(0);

    const second = await submitAndWait('--input', inputDir, '--', 'sh', '-c', LIST);
    expect(await logsOf(second.id)).toBe(expectedListing());
    expect(endedLine(second.id)['inputsFetchedBytes']).toBe(0);

    // A blob of the bot's cache changed behind its back (same size): found out, fetched again.
    const tool = files.get('bin/tool.sh')!;
    const cached = path.join(botDir, 'cas', `${sha(tool.data)}.x`);
    chmodSync(cached, 0o755);
    writeFileSync(cached, tool.data.toString().toUpperCase());
    chmodSync(cached, 0o555);
    const third = await submitAndWait('--input', inputDir, '--', 'sh', '-c', 'bin/tool.sh ok');
    expect(await logsOf(third.id)).toBe('tool ok\n');
    expect(endedLine(third.id)['inputsFetchedBytes']).toBe(tool.data.length);
    expect(readFileSync(cached)).toEqual(tool.data);
  }, 180_000);

  it('secret bytes reach the payload through DROVER_SECRET_BYTES_PATH, and GetRequest never shows them', async () => {
    const secret = `e2e-secret-${randomBytes(8).toString('hex')}`;
    const secretFile = path.join(dir, 'secret.bin');
    writeFileSync(secretFile, secret, { mode: 0o600 });
    const task = await submitAndWait(
      '--secret-file',
      secretFile,
      '--',
      'sh',
      '-c',
      'stat -c %a "$DROVER_SECRET_BYTES_PATH"; cat "$DROVER_SECRET_BYTES_PATH"',
    );
    expect(await logsOf(task.id)).toBe(`600\n${secret}`);
    const request = await drover('get-request', task.id, '--json');
    expect(request.code, request.stderr).toBe(0);
    expect(request.stdout).not.toContain(secret);
    expect(request.stdout).not.toContain(Buffer.from(secret).toString('base64'));
    expect(request.stdout).toContain('"has_secret_bytes":true');
  }, 60_000);
});
