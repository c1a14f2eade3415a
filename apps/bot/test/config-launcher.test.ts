import { versionLine } from '@drover/protocol';
import { describe, expect, it } from 'vitest';
import { compileBotConfig } from '../src/index';

const host = { hostname: 'host-1', cwd: '/srv' };

describe('bot config: what `npm start` and --version need', () => {
  it('never hands DROVER_PARENT_FD (the launcher pipe) to a task', () => {
    const outcome = compileBotConfig([], { DROVER_PARENT_FD: '3', PATH: '/bin' }, host);
    if (outcome.kind !== 'config') throw new Error(`unexpected ${outcome.kind}`);
    expect(outcome.config.taskBaseEnv).toEqual({ PATH: '/bin' });
  });

  it.each([['--version'], ['-V']])('answers %s with the version line', (flag) => {
    expect(compileBotConfig([flag], {}, host)).toEqual({
      kind: 'help',
      text: `${versionLine('drover-bot')}\n`,
    });
  });
});
