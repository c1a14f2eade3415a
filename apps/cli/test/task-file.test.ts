// Task files: `drover submit --file` reads YAML or JSON (one task or a list) and names
// the place of every problem; `drover get-request ID --yaml` writes a file that gives the same
// request back. The file reader and writer are pure; the round trip runs against a real
// coordinator on loopback.
import { createDroverClient, type DroverClient } from '@drover/client';
import type { TaskRequestOut } from '@drover/protocol';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/program';
import { DEFAULT_IO_TIMEOUT_SECS } from '../src/submit';
import {
  FILE_DEFAULT_IO_TIMEOUT_SECS,
  fileField,
  parseTaskFileText,
  readTaskFile,
} from '../src/task-file';
import { requestToTaskFile, taskFileYaml } from '../src/task-file-write';
import { memoryRuntime } from './support/memory-runtime';
import { COORDINATOR, RealBins } from './support/real-bins';

const caller = { user: 'alice', parentTaskId: undefined };

/** The requests of a file's text, or its problems. */
function read(text: string, name = 'tasks.yaml', expandEnv?: Record<string, string>) {
  const data = parseTaskFileText(text, name);
  if (!data.ok) return data;
  return readTaskFile(data.value, { caller, ...(expandEnv ? { expandEnv } : {}) });
}

describe('reading a task file', () => {
  it('reads one task in YAML with every key, as submit would build it', () => {
    const got = read(`
name: build
priority: 50
tags: [build:42]
user: bob
parent: parent-1
request-uuid: u-1
notify-url: https://ci.example.com/hook
notify-userdata: x
command: [sh, -c, 'echo hi']
dimensions: {pool: ci, os: [Linux, Ubuntu]}
env: {A: "1", B: ""}
env-prefixes: {PATH: [bin]}
cwd: src
timeout: 60
io-timeout: 0
grace: 5
expiration: 600
wait-for-capacity: true
idempotent: true
caches: {npm: .npm}
memory-limit: 512MiB
pids-limit: 100
cpu-weight: 200
`);
    expect(got).toEqual({
      ok: true,
      inputs: [],
      requests: [
        {
          name: 'build',
          priority: 50,
          tags: ['build:42'],
          user: 'bob',
          parent_task_id: 'parent-1',
          request_uuid: 'u-1',
          notify: { url: 'https://ci.example.com/hook', userdata: 'x' },
          task_slices: [
            {
              wait_for_capacity: true,
              expiration_secs: 600,
              properties: {
                command: ['sh', '-c', 'echo hi'],
                dimensions: [
                  { key: 'pool', value: 'ci' },
                  { key: 'os', value: 'Linux' },
                  { key: 'os', value: 'Ubuntu' },
                ],
                env: [
                  { key: 'A', value: '1' },
                  { key: 'B', value: '' },
                ],
                env_prefixes: [{ key: 'PATH', value: ['bin'] }],
                relative_cwd: 'src',
                execution_timeout_secs: 60,
                io_timeout_secs: 0,
                grace_period_secs: 5,
                idempotent: true,
                caches: [{ name: 'npm', path: '.npm' }],
                memory_limit_bytes: 512 * 1024 ** 2,
                pids_limit: 100,
                cpu_weight: 200,
              },
            },
          ],
        },
      ],
    });
  });

  it('takes the defaults submit takes: $USER, io-timeout 1200, no parent', () => {
    const got = read('{"command": ["true"], "dimensions": {"pool": "p"}}', 'task.json');
    expect(got).toMatchObject({
      ok: true,
      requests: [
        {
          user: 'alice',
          parent_task_id: '',
          task_slices: [{ properties: { io_timeout_secs: 1200 }, wait_for_capacity: false }],
        },
      ],
    });
    expect(FILE_DEFAULT_IO_TIMEOUT_SECS).toBe(DEFAULT_IO_TIMEOUT_SECS);
  });

  it('reads a list as `tasks:`, as a top-level list, in JSON and YAML alike', () => {
    const task = (n: number) => ({ name: `t${n}`, command: ['true'], dimensions: { pool: 'p' } });
    for (const [text, file] of [
      [JSON.stringify({ tasks: [task(1), task(2)] }), 'a.json'],
      [JSON.stringify([task(1), task(2)]), 'a.json'],
      [
        'tasks:\n  - {name: t1, command: ["true"], dimensions: {pool: p}}\n' +
          '  - {name: t2, command: ["true"], dimensions: {pool: p}}\n',
        'a.yaml',
      ],
      [
        '- {name: t1, command: ["true"], dimensions: {pool: p}}\n' +
          '- {name: t2, command: ["true"], dimensions: {pool: p}}\n',
        'a.yml',
      ],
    ] as const) {
      const got = read(text, file);
      expect(got.ok && got.requests.map((r) => r.name)).toEqual(['t1', 't2']);
    }
  });

  it('makes one slice per `slices` item, the top-level keys being every slice’s defaults', () => {
    const got = read(`
command: [make]
dimensions: {pool: ci, gpu: nvidia}
env: {A: a}
slices:
  - {expiration: 300, wait-for-capacity: true}
  - {dimensions: {pool: ci}, env: {A: b}}
`);
    expect(got.ok).toBe(true);
    const slices = got.ok ? got.requests[0]!.task_slices! : [];
    expect(slices.map((s) => [s.expiration_secs, s.wait_for_capacity])).toEqual([
      [300, true],
      [undefined, false],
    ]);
    expect(slices.map((s) => s.properties?.dimensions?.length)).toEqual([2, 1]);
    expect(slices.map((s) => s.properties?.env)).toEqual([
      [{ key: 'A', value: 'a' }],
      [{ key: 'A', value: 'b' }],
    ]);
    expect(slices.every((s) => s.properties?.command?.[0] === 'make')).toBe(true);
  });

  it.each([
    [
      'a dimension list where a mapping belongs, in the fourth task’s first slice',
      `tasks:
${'  - {command: ["true"], dimensions: {pool: p}}\n'.repeat(3)}  - command: ["true"]
    dimensions: {pool: p}
    slices:
      - dimensions: [pool=p]`,
      'tasks[3].slices[0].dimensions: must be a mapping of keys to values',
    ],
    ['an unknown key', 'command: [x]\ndimensions: {pool: p}\ncomand: [y]', 'comand: unknown key'],
    [
      'a task key inside a slice',
      'command: [x]\ndimensions: {pool: p}\nslices: [{priority: 3}]',
      'slices[0].priority: belongs to the task, not to a slice',
    ],
    ['a missing command', 'dimensions: {pool: p}', 'command is required'],
    [
      'a number as env value',
      'command: [x]\ndimensions: {pool: p}\nenv: {V: 3.10}',
      'env.V: must be a string (quote it: "3.1")',
    ],
    [
      'a priority out of range',
      'command: [x]\ndimensions: {pool: p}\npriority: 0',
      'priority: must be a whole number from 1 to 255',
    ],
    [
      'a bad memory limit',
      'command: [x]\ndimensions: {pool: p}\nmemory-limit: 1KiB',
      'memory-limit: must be 1MiB to 1TiB',
    ],
    [
      'no pool (the coordinator’s own rule, named in the file)',
      '[{command: [x], dimensions: {pool: p}}, {command: [x], dimensions: {os: l}}]',
      '[1].dimensions: ',
    ],
    [
      'two slices alike (the coordinator’s own rule)',
      'command: [x]\ndimensions: {pool: p}\nslices: [{}, {}]',
      'slices[1]: duplicates an earlier slice',
    ],
    ['YAML that does not parse', 'command: [x\n', 'not valid YAML'],
    ['a key given twice', 'command: [x]\ncommand: [y]', 'not valid YAML'],
    ['an empty list', 'tasks: []', 'the file holds no task'],
  ])('refuses %s, naming where', (_what, text, problem) => {
    const got = read(text);
    expect(got.ok).toBe(false);
    expect(got.ok ? [] : got.errors.join('\n')).toContain(problem);
  });

  it('leaves ${VAR} as written unless asked to expand it', () => {
    const text = 'command: [sh, -c, "echo ${HOME}"]\ndimensions: {pool: p}\nenv: {X: "${V}$${V}"}';
    const plain = read(text);
    expect(plain.ok && plain.requests[0]!.task_slices![0]!.properties!.env).toEqual([
      { key: 'X', value: '${V}$${V}' },
    ]);
    const expanded = read(text, 'f.yaml', { V: 'v', HOME: '/h' });
    const props = expanded.ok ? expanded.requests[0]!.task_slices![0]!.properties! : {};
    expect(props.env).toEqual([{ key: 'X', value: 'v${V}' }]);
    expect(props.command).toEqual(['sh', '-c', 'echo /h']);
    // Only ${NAME} itself: the shell's own forms are left for the task's shell.
    const shellish = read(
      'command: ["sh", "-c", "echo $V ${V:-d}"]\ndimensions: {pool: p}',
      'f.yaml',
      {
        V: 'v',
      },
    );
    expect(shellish.ok && shellish.requests[0]!.task_slices![0]!.properties!.command).toEqual([
      'sh',
      '-c',
      'echo $V ${V:-d}',
    ]);
    expect(read(text, 'f.yaml', {})).toMatchObject({
      ok: false,
      errors: [
        'command[2]: ${HOME} is not set (--env-expand)',
        'env.X: ${V} is not set (--env-expand)',
      ],
    });
  });

  it('places the coordinator’s field names in the file', () => {
    expect(fileField('task_slices[1].properties.env[0].key', 'tasks[2]', true)).toBe(
      'tasks[2].slices[1].env',
    );
    expect(fileField('task_slices[0].properties.relative_cwd', '', false)).toBe('cwd');
    expect(fileField('task_slices[0].expiration_secs', '[4]', false)).toBe('[4].expiration');
    expect(fileField('tags[3]', 'tasks[0]', false)).toBe('tasks[0].tags[3]');
    expect(fileField('notify.url', '', false)).toBe('notify-url');
  });
});

describe('writing a task file', () => {
  const stored: TaskRequestOut = {
    task_id: 'abc',
    name: 'n',
    priority: 20,
    tags: ['a:b', 'parent_task_id:p-1'],
    user: 'u',
    request_uuid: 'uuid',
    created_ts: { seconds: 1, nanos: 0 },
    authenticated: 'user:u',
    has_secret_bytes: false,
    parent_task_id: 'p-1',
    notify: { url: 'http://h/x', userdata: 'd' },
    task_slices: [0, 1].map((i) => ({
      expiration_secs: 100 + i,
      wait_for_capacity: i === 0,
      properties: {
        command: ['run', '--fast'],
        env: [{ key: 'K', value: 'true' }],
        env_prefixes: [{ key: 'PATH', value: ['bin', 'tools/bin'] }],
        relative_cwd: 'sub',
        cas_input_root: null,
        dimensions: [
          { key: 'pool', value: 'p' },
          { key: 'os', value: i === 0 ? 'Linux' : 'Mac' },
          { key: 'os', value: 'x' },
        ],
        execution_timeout_secs: 3600,
        io_timeout_secs: 0,
        grace_period_secs: 30,
        idempotent: false,
        caches: [{ name: 'npm', path: '.npm' }],
        memory_limit_bytes: 2 ** 30,
      },
    })),
  };

  it('gives back what was stored, less ids, timestamps and the coordinator’s parent tag', () => {
    const text = taskFileYaml(requestToTaskFile(stored));
    const got = read(text);
    expect(got.ok).toBe(true);
    const {
      task_id: _i,
      created_ts: _c,
      authenticated: _a,
      request_uuid: _u,
      has_secret_bytes: _s,
      ...rest
    } = stored;
    // No inputs were stored, so the file names none.
    const slices = rest.task_slices.map(({ properties, ...slice }) => {
      const { cas_input_root: _r, ...props } = properties!;
      return { ...slice, properties: props };
    });
    expect(got.ok && got.requests[0]).toEqual({ ...rest, task_slices: slices, tags: ['a:b'] });
    // Shared keys once at the top, the differences under slices.
    expect(text).toContain('slices:\n  - dimensions:');
    expect(text).not.toContain('uuid');
  });
});

describe('against a real coordinator', () => {
  let cwd: string;
  let bins: RealBins;
  let server = '';
  let client: DroverClient;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'drover-task-file-'));
    bins = new RealBins(cwd);
    const dataDir = join(cwd, '.drover');
    const { rec } = await bins.startUntil(
      COORDINATOR,
      ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
      'coordinator ready',
    );
    server = String(rec['grpc']);
    const token = readFileSync(join(dataDir, 'client.token'), 'utf8').trim();
    client = createDroverClient({ server, token });
  }, 40_000);

  afterAll(async () => {
    client?.close();
    await bins?.stopAll();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** `drover <args>` in-process; the token is found in .drover/client.token from the cwd. */
  async function drover(args: string[], env: Record<string, string> = {}) {
    const io = memoryRuntime({ DROVER_SERVER: server, USER: 'carol', ...env }, cwd);
    const code = await runCli(args, io.rt);
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  }

  /** What a request asked for, without what names or dates this one task. */
  const asked = (r: TaskRequestOut) => {
    const { task_id: _i, created_ts: _c, ...rest } = r;
    return rest;
  };

  const countAll = async () => Number((await client.countTasks({ state: 'QUERY_ALL' })).count);

  it('a task file round trip (get-request --yaml → submit --file) gives an equal request', async () => {
    const first = await drover([
      'submit',
      '-d',
      'pool=default',
      '-d',
      'gpu=nvidia',
      '--expiration',
      '300',
      '--wait-for-capacity',
      '--fallback',
      '600:-gpu',
      '--name',
      'round trip',
      '--priority',
      '42',
      '--tag',
      'build:7',
      '--env',
      'GREETING=hello world',
      '--env',
      'NUM=3.10',
      '--cwd',
      'src',
      '--cache',
      'npm=.npm',
      '--memory-limit',
      '256MiB',
      '--timeout',
      '120',
      '--grace',
      '3',
      '--idempotent',
      '--',
      'sh',
      '-c',
      'echo "$GREETING" ${HOME}',
    ]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const id = first.stdout.trim();

    const yaml = await drover(['get-request', id, '--yaml']);
    expect(yaml).toMatchObject({ code: 0, stderr: '' });
    expect(yaml.stdout).toContain('slices:');
    writeFileSync(join(cwd, 'again.yaml'), yaml.stdout);

    const again = await drover(['submit', '--file', 'again.yaml']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    const secondId = again.stdout.trim();
    expect(secondId).not.toBe(id);

    const [one, two] = await Promise.all([client.getRequest(id), client.getRequest(secondId)]);
    expect(asked(two)).toEqual(asked(one));
    // The plain form is the TaskRequest as JSON, proto field names.
    const json = await drover(['get-request', id]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      task_id: id,
      name: 'round trip',
      priority: 42,
    });
  });

  it('submits every task of a list, printing one id a line (--json: one response a line)', async () => {
    const tasks = [1, 2, 3].map((n) => ({
      name: `list ${n}`,
      command: ['true'],
      dimensions: { pool: 'default' },
      'wait-for-capacity': true,
    }));
    writeFileSync(join(cwd, 'list.json'), JSON.stringify({ tasks }));
    const run = await drover(['submit', '--file', 'list.json']);
    expect(run.code).toBe(0);
    const ids = run.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    const names = await Promise.all(ids.map(async (i) => (await client.getRequest(i)).name));
    expect(names).toEqual(['list 1', 'list 2', 'list 3']);

    const json = await drover(['submit', '--file', 'list.json', '--json']);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { task_id: string }).task_id),
    ).toHaveLength(3);
  });

  it('submits nothing from a file with a bad task, exiting 2 with the place named', async () => {
    const good = '  - {command: ["true"], dimensions: {pool: default}}\n';
    writeFileSync(
      join(cwd, 'bad.yaml'),
      `tasks:\n${good.repeat(3)}  - command: ["true"]\n    dimensions: {pool: default}\n    slices:\n      - dimensions: 7\n`,
    );
    const before = await countAll();
    const run = await drover(['submit', '--file', 'bad.yaml']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('bad.yaml: tasks[3].slices[0].dimensions: must be a mapping');
    expect(run.stderr).toContain('nothing submitted');
    expect(await countAll()).toBe(before);
  });

  it('leaves no task when the coordinator refuses one of a list (all or none)', async () => {
    const ok = '  - {command: ["true"], dimensions: {pool: default}, wait-for-capacity: true}\n';
    writeFileSync(
      join(cwd, 'refused.yaml'),
      `tasks:\n${ok}${ok}  - {command: ["true"], dimensions: {pool: default}, parent: no-such-task}\n`,
    );
    const before = await countAll();
    const run = await drover(['submit', '--file', 'refused.yaml']);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      "refused.yaml: a task was refused; none of the file's tasks is left",
    );
    expect(await countAll()).toBe(before);
  });

  it('expands ${VAR} only with --env-expand', async () => {
    writeFileSync(
      join(cwd, 'env.yaml'),
      'command: ["true"]\ndimensions: {pool: default}\nwait-for-capacity: true\nenv: {WHO: "${WHO}"}\n',
    );
    const envOf = async (args: string[]) => {
      const run = await drover(['submit', '--file', 'env.yaml', ...args], { WHO: 'dave' });
      expect(run.code).toBe(0);
      return (await client.getRequest(run.stdout.trim())).task_slices[0]!.properties!.env;
    };
    expect(await envOf([])).toEqual([{ key: 'WHO', value: '${WHO}' }]);
    expect(await envOf(['--env-expand'])).toEqual([{ key: 'WHO', value: 'dave' }]);
  });

  it('refuses other submit options and a command beside --file (exit 2)', async () => {
    for (const args of [
      ['submit', '--file', 'env.yaml', '--priority', '3'],
      ['submit', '--file', 'env.yaml', '--', 'true'],
      ['submit', '--file', 'missing.yaml'],
    ]) {
      const run = await drover(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--file: /);
    }
  });
});
