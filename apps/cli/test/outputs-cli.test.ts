// `drover submit --cache` and `drover outputs` against the real coordinator and bot executables.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadTarget } from '../src/output-download';
import { runCli } from '../src/program';
import { memoryRuntime } from './support/memory-runtime';
import { BOT, COORDINATOR, RealBins } from './support/real-bins';

let cwd: string;
let bins: RealBins;
let server = '';

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'drover-cli-outputs-'));
  bins = new RealBins(cwd);
  const { rec } = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', join(cwd, '.drover')],
    'coordinator ready',
  );
  server = String(rec['grpc']);
  await bins.startUntil(
    BOT,
    ['--server', server, '--data-dir', join(cwd, '.drover'), '--id', 'cli-out-bot'],
    'bot ready',
  );
}, 40_000);

afterAll(async () => {
  await bins.stopAll();
  rmSync(cwd, { recursive: true, force: true });
});

/** `drover <args>` in-process, finding .drover/client.token from the working directory. */
async function drover(args: string[]) {
  const io = memoryRuntime({ DROVER_SERVER: server }, cwd);
  const code = await runCli(args, io.rt);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('drover outputs', () => {
  it('lists a task’s output files and downloads them byte for byte, keeping their paths', async () => {
    const binary = randomBytes(2 * 1024 ** 2 + 7);
    writeFileSync(join(cwd, 'src.bin'), binary);
    const submitted = await drover([
      'submit',
      '-d',
      'pool=default',
      '--cache',
      'tools=cache/tools',
      '--',
      'sh',
      '-c',
      `mkdir -p "$DROVER_OUTDIR/sub/dir" && cp '${join(cwd, 'src.bin')}' "$DROVER_OUTDIR/sub/dir/data.bin" && echo report > "$DROVER_OUTDIR/report.txt" && test -d cache/tools`,
    ]);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect((await drover(['wait', id])).code).toBe(0);

    const listed = await drover(['outputs', id, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      task_id: id,
      outputs: [
        // OutputFile.size is an int64: a string, as in the TaskResult's canonical JSON.
        { path: 'report.txt', size: '7', digest: sha256(Buffer.from('report\n')) },
        { path: 'sub/dir/data.bin', size: String(binary.length), digest: sha256(binary) },
      ],
      outputs_truncated: false,
    });
    const table = await drover(['outputs', id]);
    expect(table.stdout).toMatch(/2\.0 MiB {2}[0-9a-f]{12} {2}sub\/dir\/data\.bin/);

    const into = join(cwd, 'downloaded');
    const got = await drover(['outputs', id, '--download', into]);
    expect(got.code).toBe(0);
    expect(readFileSync(join(into, 'sub', 'dir', 'data.bin')).equals(binary)).toBe(true);
    expect(readFileSync(join(into, 'report.txt'), 'utf8')).toBe('report\n');
    expect(existsSync(join(into, 'sub', 'dir', 'data.bin.drover-partial'))).toBe(false);
  });

  it('refuses a cache given without a path, before calling the server', async () => {
    const r = await drover(['submit', '-d', 'pool=default', '--cache', 'tools', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected name=path');
  });
});

describe('downloadTarget', () => {
  it.each(['../escape', 'a/../../b', '/etc/passwd', 'a//b', './a', 'a\\..\\b', ''])(
    'refuses %j, which is not a plain path inside the directory',
    (p) => {
      expect(downloadTarget('/tmp/into', p).ok).toBe(false);
    },
  );

  it('places a nested path under the directory', () => {
    expect(downloadTarget('/tmp/into', 'a/b/c.txt')).toEqual({
      ok: true,
      target: '/tmp/into/a/b/c.txt',
    });
  });
});
