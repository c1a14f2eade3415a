import type { NewTaskResponseOut } from '@drover/protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../src/index';
import { bearer, call, startTestCoordinator, tasksStub, tempDir } from './harness';
import { ScriptedBot } from './scripted-bot';

const CLIENT = 'drv_c_test-client-token';
const CI_BOTS = 'drv_b_ci-group-token';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;

beforeAll(async () => {
  dir = tempDir();
  mkdirSync(dir.path, { recursive: true });
  writeFileSync(
    join(dir.path, 'tokens.json'),
    JSON.stringify({
      version: 1,
      clients: [{ name: 'alice', sha256: hashToken(CLIENT), admin: true }],
      bots: [{ name: 'ci-bots', sha256: hashToken(CI_BOTS), dimensions: { pool: ['ci'] } }],
    }),
  );
  coord = await startTestCoordinator(dir.path);
});

afterAll(async () => {
  await coord.close();
  dir.remove();
});

describe('bot groups', () => {
  it('force their dimensions over what the bot claims: a bot cannot choose its pool', async () => {
    const bot = new ScriptedBot(coord.grpcAddress, CI_BOTS);
    try {
      bot.hello('group-bot'); // claims pool=default
      const welcome = (await bot.next((m) => m.msg === 'welcome')).welcome!;
      expect(welcome.dimensions.find((d) => d.key === 'pool')?.value).toEqual(['ci']);
      expect(welcome.forced_dimensions).toContainEqual({ key: 'pool', value: ['ci'] });

      const stub = tasksStub(coord.grpcAddress);
      const submit = (pool: string) =>
        call<NewTaskResponseOut>(
          (md, cb) =>
            stub.NewTask(
              {
                task_slices: [
                  { properties: { command: ['true'], dimensions: [{ key: 'pool', value: pool }] } },
                ],
              },
              md,
              cb,
            ),
          bearer(CLIENT),
        );
      expect((await submit('default')).result?.state).toBe('NO_RESOURCE');
      const ci = await submit('ci');
      expect((await bot.next((m) => m.msg === 'assign')).assign?.task_id).toBe(ci.task_id);
      stub.close();
    } finally {
      bot.crash();
    }
  });
});
