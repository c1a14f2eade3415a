// Task inputs and secret bytes end to end, as a user runs them: the real drover-coordinator and
// drover-bot executables on loopback and the drover CLI. A tree of 1,000 files (nested dirs, some
// executable, one of 50 MiB, a symlink, an empty dir) goes up with `drover submit --input`; the
// payload checks every byte and mode against lists written beside the tree; a second submit
// uploads nothing and a second task on the same bot downloads nothing. Secret bytes reach the
// payload as $DROVER_SECRET_BYTES_PATH and never come back from get-request or tasks.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, COORDINATOR, RealBins, jsonLines } from './support/real-bins';

let work: string;
let server = '';
let bins: RealBins;
const drover = (args: string[]) => bins.drover(server, args);

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const BIG = 50 * 1024 * 1024;

/** The tree's files: path → bytes and executable bit. 999 small ones and one of 50 MiB. */
const files = new Map<string, { bytes: Buffer; executable: boolean }>();
let treeDir = '';
let totalBytes = 0;
let botLog = '';

/** What the bot logged of a task's end (`task ended`: inputsFetchedBytes, inputsFetchSecs…). */
function botEnded(id: string): Record<string, unknown> {
  for (const line of botLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec['msg'] === 'task ended' && rec['taskId'] === id) return rec;
  }
  throw new Error(`the bot logged no end of ${id}`);
}

function buildTree(): void {
  treeDir = join(work, 'tree');
  for (let i = 0; i < 999; i++) {
    const path = `d${i % 10}/e${Math.floor(i / 10) % 10}/f${i}${i % 13 === 0 ? '.sh' : '.txt'}`;
    files.set(path, {
      bytes: Buffer.from(`file ${i}\n${'x'.repeat(i % 50)}\n`),
      executable: i % 13 === 0,
    });
  }
  files.set('big/blob.bin', { bytes: randomBytes(BIG), executable: false });
  for (const [path, f] of files) {
    const abs = join(treeDir, path);
    mkdirSync(join(abs, '..'), { recursive: true });
    writeFileSync(abs, f.bytes);
    chmodSync(abs, f.executable ? 0o755 : 0o644);
    totalBytes += f.bytes.length;
  }
  mkdirSync(join(treeDir, 'empty'));
  symlinkSync('../d0/e0/f0.sh', join(treeDir, 'big', 'link'));
  // Beside the tree, not in it: what the payload compares the work dir with.
  const byPath = [...files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  writeFileSync(
    join(work, 'expected.sha256'),
    byPath.map((p) => `${sha(files.get(p)!.bytes)}  ./${p}\n`).join(''),
  );
  // The bot lays files out read-only (0444, 0555 when executable) so a task cannot corrupt its cache.
  writeFileSync(
    join(work, 'expected.modes'),
    byPath
      .map((p) => `./${p} ${files.get(p)!.executable ? '555' : '444'}`)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .map((l) => `${l}\n`)
      .join(''),
  );
}

/** The payload: every byte (sha256sum -c), every mode (stat), the symlink and the empty dir. */
const checkPayload = (): string[] => [
  'sh',
  '-c',
  [
    'set -e',
    'export LC_ALL=C',
    `sha256sum -c --quiet ${join(work, 'expected.sha256')}`,
    `find . -type f -printf '%p %m\\n' | sort | diff - ${join(work, 'expected.modes')}`,
    '[ "$(readlink big/link)" = ../d0/e0/f0.sh ]',
    '[ -d empty ] && [ -z "$(ls -A empty)" ]',
    'echo inputs-ok',
  ].join('\n'),
];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-inputs-cli-'));
  bins = new RealBins(work);
  const dataDir = join(work, '.drover');
  const coord = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  const bot = await bins.startUntil(
    BOT,
    ['--server', server, '--data-dir', dataDir, '--id', 'inputs-bot'],
    'bot ready',
  );
  for (const stream of [bot.child.stdout!, bot.child.stderr!])
    stream.setEncoding('utf8').on('data', (s: string) => (botLog += s));
  buildTree();
}, 60_000);

afterAll(async () => {
  await bins?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

async function runToEnd(id: string): Promise<Record<string, unknown>> {
  const waited = await drover(['wait', id]);
  const logs = await drover(['logs', id]);
  expect({ code: waited.code, logs: logs.stdout }).toEqual({ code: 0, logs: 'inputs-ok\n' });
  const result = await drover(['result', id, '--json']);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('input trees end to end', () => {
  let firstId = '';
  let digest = '';

  it('submit --input uploads 1,000 files; the payload sees every byte and mode', async () => {
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--input',
      'tree',
      '--',
      ...checkPayload(),
    ]);
    expect(submitted.code).toBe(0);
    firstId = submitted.stdout.trim();
    expect(firstId).toMatch(/^[0-9a-f]{20}$/);
    // 1,000 distinct files and the listing, all new.
    const m =
      /^input ([0-9a-f]{64}\/\d+): 1000 files, .* in 1001 blobs; uploaded 1001 blobs, (\d+) bytes/m.exec(
        submitted.stderr,
      );
    expect(m, submitted.stderr).not.toBeNull();
    digest = m![1]!;
    expect(Number(m![2])).toBe(totalBytes + Number(digest.split('/')[1]));

    const result = await runToEnd(firstId);
    expect(result).toMatchObject({ state: 'COMPLETED', bot_id: 'inputs-bot' });
    expect(result['exit_code'] ?? '0').toBe('0');
    // Every file's bytes and the listing's, as the bot says (TaskFinished) and the result keeps.
    expect(Number(botEnded(firstId)['inputsFetchedBytes'])).toBeGreaterThan(totalBytes);
    expect(Number(result['inputs_fetched_bytes'])).toBeGreaterThan(totalBytes);
    expect(typeof result['inputs_fetch_duration']).toBe('number');
  }, 120_000);

  it('a second submit uploads nothing; a second task on the same bot downloads nothing', async () => {
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--input',
      'tree',
      '--',
      ...checkPayload(),
    ]);
    expect(submitted.code).toBe(0);
    expect(submitted.stderr).toContain(`input ${digest}: 1000 files`);
    expect(submitted.stderr).toContain('uploaded 0 blobs, 0 bytes (1001 already stored)');
    const secondId = submitted.stdout.trim();
    const result = await runToEnd(secondId);
    expect(result['bot_id']).toBe('inputs-bot');
    expect(botEnded(secondId)['inputsFetchedBytes']).toBe(0);
    expect(result['inputs_fetched_bytes'] ?? '0').toBe('0');

    const json = await drover(['cas', 'upload', 'tree', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      input_digest: digest,
      files: 1000,
      symlinks: 1,
      dirs: 1,
      blobs: 1001,
      uploaded_blobs: 0,
      uploaded_bytes: '0',
    });
  }, 120_000);

  it('--input-digest, get-request --yaml, retry and reproduce carry the tree', async () => {
    const byDigest = await drover([
      'submit',
      '-d',
      'pool=default',
      '--input-digest',
      digest,
      '--',
      ...checkPayload(),
    ]);
    expect(byDigest).toMatchObject({ code: 0, stderr: '' });
    await runToEnd(byDigest.stdout.trim());

    const yaml = await drover(['get-request', firstId, '--yaml']);
    expect(yaml.stdout).toContain(`input-digest: ${digest}`);
    const request = JSON.parse((await drover(['get-request', firstId])).stdout) as {
      task_slices: Array<{ properties: { cas_input_root: { hash: string; size_bytes: string } } }>;
    };
    expect(request.task_slices[0]!.properties.cas_input_root).toEqual({
      hash: digest.split('/')[0],
      size_bytes: digest.split('/')[1],
    });

    // drover run: the same upload (nothing new), then the output live and the task's exit code.
    const ran = await drover([
      'run',
      '-d',
      'pool=default',
      '--input',
      'tree',
      '--',
      ...checkPayload(),
    ]);
    expect(ran).toMatchObject({ code: 0, stdout: 'inputs-ok\n' });
    expect(ran.stderr).toContain('uploaded 0 blobs, 0 bytes');

    const retried = await drover(['retry', firstId]);
    expect(retried.code).toBe(0);
    await runToEnd(retried.stdout.trim());

    // A file submitted from another directory: input is relative to the file.
    mkdirSync(join(work, 'files'));
    writeFileSync(
      join(work, 'files', 'task.yaml'),
      `command: ${JSON.stringify(checkPayload())}\ndimensions: { pool: default }\ninput: ../tree\n`,
    );
    const fromFile = await drover(['submit', '--file', 'files/task.yaml']);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toContain(`input ${digest}: 1000 files`);
    await runToEnd(fromFile.stdout.trim());

    // reproduce downloads the tree into DIR/w (files the user's: 0644/0755, so only bytes here).
    const dir = join(work, 'repro');
    const reproduced = await bins.drover(server, ['reproduce', firstId, '--dir', dir]);
    // The payload's mode check fails here (not the bot's read-only modes): its bytes check passed.
    expect(reproduced.stderr).toContain(`inputs: the tree ${digest} is downloaded into`);
    expect(
      readFileSync(join(dir, 'w', 'big', 'blob.bin')).equals(files.get('big/blob.bin')!.bytes),
    ).toBe(true);
    expect(statSync(join(dir, 'w', 'd0', 'e0', 'f0.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(dir, 'w', 'empty'))).toEqual([]);
  }, 180_000);

  it('cas download fetches the tree back; a symlink leaving the tree is refused at upload', async () => {
    const out = join(work, 'fetched');
    const got = await drover(['cas', 'download', digest, out]);
    expect(got.code).toBe(0);
    const again = await drover(['cas', 'upload', out]);
    expect(again.stdout.trim()).toBe(digest);
    const refused = await drover(['cas', 'download', digest, out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not empty/);

    const bad = join(work, 'bad');
    mkdirSync(join(bad, 'sub'), { recursive: true });
    symlinkSync('../../tree', join(bad, 'sub', 'escape'));
    const up = await drover(['submit', '-d', 'pool=default', '--input', 'bad', '--', 'true']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain(`${join(bad, 'sub', 'escape')}: symlink to "../../tree" leaves`);
    expect(up.stdout).toBe('');
  }, 60_000);
});

describe('secret bytes end to end', () => {
  it('the payload reads them from $DROVER_SECRET_BYTES_PATH; get-request and tasks never show them', async () => {
    const secret = `s3cret-${randomBytes(12).toString('hex')}`;
    writeFileSync(join(work, 'secret'), secret);
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--tag',
      'kind:secret',
      '--secret-file',
      'secret',
      '--',
      'sh',
      '-c',
      // Only the hash of the secret is in the request.
      `echo "${sha(secret)}  $DROVER_SECRET_BYTES_PATH" | sha256sum -c --quiet && echo secret-ok`,
    ]);
    expect(submitted).toMatchObject({ code: 0, stderr: '' });
    const id = submitted.stdout.trim();
    const waited = await drover(['wait', id]);
    expect(waited.code).toBe(0);
    expect((await drover(['logs', id])).stdout).toBe('secret-ok\n');

    const b64 = Buffer.from(secret).toString('base64');
    const request = await drover(['get-request', id, '--json']);
    expect(request.code).toBe(0);
    expect(JSON.parse(request.stdout)).toMatchObject({ has_secret_bytes: true });
    const listed = await drover(['tasks', '--tag', 'kind:secret', '--json']);
    const yaml = await drover(['get-request', id, '--yaml']);
    expect(yaml.stderr).toMatch(/secret bytes.*--secret-file/);
    for (const text of [request.stdout, listed.stdout, yaml.stdout, submitted.stdout]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(b64);
    }
    expect(jsonLines(listed.stdout).map((r) => r['task_id'])).toEqual([id]);

    // retry cannot send them again by itself: refused, then with --secret-file it runs.
    const refused = await drover(['retry', id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/had secret bytes.*--secret-file/);
    const retried = await drover(['retry', id, '--secret-file', 'secret']);
    expect(retried.code).toBe(0);
    const retriedId = retried.stdout.trim();
    expect((await drover(['wait', retriedId])).code).toBe(0);
    expect((await drover(['logs', retriedId])).stdout).toBe('secret-ok\n');
  }, 60_000);
});
