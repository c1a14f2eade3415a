// The pure and file-level pieces of task webhooks: the body, its signature as a receiver checks
// it, the retry schedule, the secret's bootstrap, and the settings that tune them.
import { fromJsonString } from '@bufbuild/protobuf';
import { es } from '@drover/protocol';
import type { Task } from '@drover/state';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, compileCoordinatorConfig, parseCoordinatorArgs } from '../../src/config';
import { retryDelayMs, signBody, webhookBody } from '../../src/notify/webhook-payload';
import { loadOrCreateWebhookSecret } from '../../src/notify/webhook-secret';
import { tempDir } from '../harness';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('drover-webhook-');
});
afterEach(() => dir.remove());

const task = (over: Partial<Task> = {}): Task =>
  ({
    id: 't1',
    spec: {
      name: 'build',
      priority: 200,
      tags: [],
      user: 'u',
      authenticated: 'u',
      requestUuid: '',
      parentTaskId: '',
      slices: [],
      notify: { url: 'http://127.0.0.1/h', userdata: 'ud' },
    },
    state: 'COMPLETED',
    currentSlice: 0,
    createdAtMs: 1_700_000_000_000,
    modifiedAtMs: 1_700_000_001_500,
    startedAtMs: null,
    completedAtMs: null,
    abandonedAtMs: null,
    killRequestedAtMs: null,
    processStarted: true,
    botId: 'b1',
    botDimensions: [],
    leaseId: null,
    exitCode: 3,
    durationSecs: 1,
    failure: true,
    internalFailure: false,
    dedupedFrom: null,
    outputSize: 0,
    summary: '',
    ...over,
  }) as Task;

describe('webhookBody', () => {
  it('is a TaskNotification in canonical JSON: the task, the states, the userdata, the exit code and the time of the change', () => {
    const raw = webhookBody(task(), 'RUNNING');
    expect(JSON.parse(raw)).toEqual({
      task_id: 't1',
      name: 'build',
      state: 'COMPLETED',
      previous_state: 'RUNNING',
      userdata: 'ud',
      exit_code: '3',
      bot_id: 'b1',
      summary: '',
      ts: '2023-11-14T22:13:21.500Z',
    });
    const parsed = fromJsonString(es.TaskNotificationSchema, raw);
    expect(parsed).toMatchObject({
      taskId: 't1',
      exitCode: 3n,
      previousState: es.TaskState.RUNNING,
    });
  });

  it('leaves previous_state and exit_code out for a new task, and says bot_id ""', () => {
    const body = JSON.parse(
      webhookBody(
        task({ state: 'PENDING', exitCode: null, botId: null, modifiedAtMs: 1_700_000_000_000 }),
        undefined,
      ),
    ) as Record<string, unknown>;
    expect(body).not.toHaveProperty('previous_state');
    expect(body).not.toHaveProperty('exit_code');
    expect(body).toMatchObject({ state: 'PENDING', bot_id: '', ts: '2023-11-14T22:13:20Z' });
  });

  it('writes a signal death as a negative exit code string', () => {
    expect(
      JSON.parse(webhookBody(task({ state: 'KILLED', exitCode: -9 }), 'RUNNING')),
    ).toMatchObject({
      state: 'KILLED',
      exit_code: '-9',
    });
  });
});

describe('signBody', () => {
  it('is sha256=<hex HMAC-SHA256 of the exact body> with the secret, as a receiver computes it', () => {
    const body = webhookBody(task(), 'RUNNING');
    const receiver = createHmac('sha256', 'k3y').update(Buffer.from(body)).digest('hex');
    expect(signBody(body, 'k3y')).toBe(`sha256=${receiver}`);
    expect(signBody(`${body} `, 'k3y')).not.toBe(`sha256=${receiver}`);
    expect(signBody(body, 'other')).not.toBe(`sha256=${receiver}`);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [20, 60_000],
  ])('waits after attempt %i: %i ms (1 s doubling, 60 s at most)', (attempt, ms) => {
    expect(retryDelayMs(attempt, { backoffMs: 1000, backoffMaxMs: 60_000 })).toBe(ms);
  });
});

describe('loadOrCreateWebhookSecret', () => {
  it('creates 32 random bytes in hex, mode 0600, then reads the same secret back', () => {
    const file = join(dir.path, 'sub', 'webhook.secret');
    const first = loadOrCreateWebhookSecret(file);
    expect(first.created).toBe(true);
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${first.secret}\n`);
    expect(loadOrCreateWebhookSecret(file)).toEqual({ secret: first.secret, created: false });
  });

  it('takes an operator-made file as is (trimmed) and refuses an empty one', () => {
    const file = join(dir.path, 'mine');
    writeFileSync(file, '  s3cret\n');
    expect(loadOrCreateWebhookSecret(file).secret).toBe('s3cret');
    writeFileSync(file, '\n');
    expect(() => loadOrCreateWebhookSecret(file)).toThrow(ConfigError);
    expect(() => loadOrCreateWebhookSecret(file)).toThrow(/^webhook-secret-file: .* is empty/);
  });
});

describe('webhook settings', () => {
  const compile = (argv: string[], env: Record<string, string> = {}) => {
    const parsed = parseCoordinatorArgs(argv, env);
    if (parsed.help) throw new Error('unexpected help');
    return compileCoordinatorConfig(parsed.options).webhooks;
  };

  it('defaults to 10 attempts, 1 s doubling to 60 s, 10 s per attempt, <data-dir>/webhook.secret', () => {
    expect(compile(['--data-dir', '/srv/d'])).toEqual({
      secretFile: '/srv/d/webhook.secret',
      maxAttempts: 10,
      backoffMs: 1000,
      backoffMaxMs: 60_000,
      timeoutMs: 10_000,
      targets: { allow: [], allowAddresses: [] },
    });
  });

  it('reads flags, DROVER_* variables and the config file', () => {
    const file = join(dir.path, 'c.yaml');
    writeFileSync(file, 'webhook-secret-file: s/hook.key\nwebhook-attempts: 3\n');
    expect(
      compile(['--config', file, '--webhook-backoff', '0.5'], { DROVER_WEBHOOK_TIMEOUT: '2' }),
    ).toMatchObject({
      secretFile: join(dir.path, 's', 'hook.key'),
      maxAttempts: 3,
      backoffMs: 500,
      timeoutMs: 2000,
    });
  });

  it.each([
    [['--webhook-attempts', '0'], /^webhook-attempts: must be a whole number from 1 to 100/],
    [['--webhook-attempts', '2.5'], /^webhook-attempts: must be a whole number/],
    [['--webhook-backoff', '0'], /^webhook-backoff: must be a number of seconds/],
    [
      ['--webhook-backoff', '10', '--webhook-backoff-max', '5'],
      /^webhook-backoff-max: must not be less than webhook-backoff/,
    ],
  ])('refuses %j, naming the setting', (argv, message) => {
    expect(() => compile(argv)).toThrow(message);
  });
});
