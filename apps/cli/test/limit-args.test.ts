// `drover submit --memory-limit/--pids-limit/--cpu-weight`: the parsers, the request they make,
// and the CLI run in-process (runCli) against a real gRPC server on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/program';
import { parseByteSize, parseCpuWeight, parseMemoryLimit, parsePidsLimit } from '../src/limit-args';
import { buildNewTaskRequest, DEFAULT_IO_TIMEOUT_SECS } from '../src/submit';
// Test support shared with libs/client's own tests (a real gRPC server with fixed answers);
// no production code crosses this boundary.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  FAKE_TASK_ID,
  startFakeTasksServer,
  type FakeTasksServer,
} from '../../../libs/client/test/support/fake-tasks-server';
import { memoryRuntime } from './support/memory-runtime';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TOKEN = 'cli-token';

describe('parseByteSize', () => {
  it.each([
    ['1048576', MIB],
    ['512MiB', 512 * MIB],
    ['512 MiB', 512 * MIB],
    ['1GiB', GIB],
    ['1g', GIB],
    ['1.5G', 1.5 * GIB],
    ['2M', 2 * MIB],
    ['1GB', 1e9],
    ['10B', 10],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toEqual({ ok: true, value: bytes });
  });

  it.each(['', 'lots', '-1MiB', '1 PiB', '1e9', 'MiB'])('refuses %j', (text) => {
    expect(parseByteSize(text).ok).toBe(false);
  });
});

describe('the limit parsers', () => {
  it('takes --memory-limit from 1 MiB to 1 TiB', () => {
    expect(parseMemoryLimit('1MiB')).toEqual({ ok: true, value: MIB });
    expect(parseMemoryLimit('1TiB')).toEqual({ ok: true, value: 1024 ** 4 });
    expect(parseMemoryLimit('1048575')).toMatchObject({ ok: false });
    expect(parseMemoryLimit('1025GiB')).toMatchObject({ ok: false });
  });

  it.each([
    ['--pids-limit', parsePidsLimit, 65_536],
    ['--cpu-weight', parseCpuWeight, 10_000],
  ])('takes %s as a whole number from 1 to %d', (_flag, parse, max) => {
    expect(parse('1')).toEqual({ ok: true, value: 1 });
    expect(parse(String(max))).toEqual({ ok: true, value: max });
    for (const bad of ['0', String(max + 1), '1.5', '-3', 'ten', ''])
      expect(parse(bad)).toMatchObject({ ok: false });
  });
});

describe('buildNewTaskRequest with limits', () => {
  const caller = { user: 'alice', parentTaskId: undefined };
  const base = { dimension: [{ key: 'pool', value: 'ci' }], ioTimeout: DEFAULT_IO_TIMEOUT_SECS };

  it('puts them in every slice, fallbacks included', () => {
    const built = buildNewTaskRequest(
      {
        ...base,
        memoryLimit: 512 * MIB,
        pidsLimit: 64,
        cpuWeight: 50,
        fallback: [{ expirationSecs: 60, set: [{ key: 'os', value: 'Linux' }], drop: [] }],
      },
      ['true'],
      caller,
    );
    if (!built.ok) throw new Error(built.message);
    const limits = { memory_limit_bytes: 512 * MIB, pids_limit: 64, cpu_weight: 50 };
    expect(built.value.task_slices).toHaveLength(2);
    for (const slice of built.value.task_slices ?? [])
      expect(slice.properties).toMatchObject(limits);
  });

  it('sends none when none is given', () => {
    const built = buildNewTaskRequest(base, ['true'], caller);
    if (!built.ok) throw new Error(built.message);
    const props = built.value.task_slices?.[0]?.properties ?? {};
    for (const key of ['memory_limit_bytes', 'pids_limit', 'cpu_weight'])
      expect(props).not.toHaveProperty(key);
  });
});

describe('drover submit with limits', () => {
  let fake: FakeTasksServer;
  let cwd: string;

  beforeAll(async () => {
    fake = await startFakeTasksServer({ token: TOKEN });
    cwd = mkdtempSync(join(tmpdir(), 'drover-cli-limits-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function drover(args: string[]) {
    const io = memoryRuntime({ DROVER_SERVER: fake.address, DROVER_TOKEN: TOKEN }, cwd);
    const code = await runCli(args, io.rt);
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  }

  it('sends the three limits', async () => {
    const run = await drover([
      'submit',
      '-d',
      'pool=ci',
      '-d',
      'limits=memory',
      '--memory-limit',
      '1GiB',
      '--pids-limit',
      '256',
      '--cpu-weight',
      '200',
      '--',
      'make',
    ]);
    expect(run).toMatchObject({ code: 0, stdout: `${FAKE_TASK_ID}\n`, stderr: '' });
    const call = fake.calls.at(-1);
    expect(call?.method).toBe('NewTask');
    expect(call?.request).toMatchObject({
      task_slices: [{ properties: { memory_limit_bytes: GIB, pids_limit: 256, cpu_weight: 200 } }],
    });
  });

  it.each([
    ['--memory-limit', 'lots', "'--memory-limit <size>' argument 'lots' is invalid"],
    ['--memory-limit', '512K', "'--memory-limit <size>' argument '512K' is invalid"],
    ['--memory-limit', '2TiB', 'must be 1MiB to 1TiB'],
    ['--pids-limit', '0', "'--pids-limit <n>' argument '0' is invalid"],
    ['--pids-limit', '65537', 'expected a whole number from 1 to 65536'],
    ['--cpu-weight', '0', "'--cpu-weight <n>' argument '0' is invalid"],
    ['--cpu-weight', '10001', 'expected a whole number from 1 to 10000'],
  ])('exits 2 for %s %s, naming the flag, and sends nothing', async (flag, value, message) => {
    const before = fake.calls.length;
    const run = await drover(['submit', '-d', 'pool=ci', flag, value, '--', 'true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(fake.calls.length).toBe(before);
  });
});
