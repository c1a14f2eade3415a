import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useBotProcesses } from './bot-process-harness';
import { manifest, until } from './helpers';

/**
 * The escape matrix through a real drover-bot (the runner-level matrix, 20 rounds of each ending,
 * is containment-escape.test.ts): the hostile payload under a bot run by hand as root, ended by
 * its execution timeout and by a Kill, leaves no process carrying its marker once the bot reports
 * TaskFinished.
 */

const h = useBotProcesses();
const ESCAPE = fileURLToPath(new URL('./fixtures/escape.sh', import.meta.url));
const KINDS = ['ignterm', 'setsid', 'daemon', 'nohup', 'stopped', 'nononce', 'envi', 'forker'];

function marked(marker: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (cmd.includes(marker)) out.push(cmd.replace(/\0/g, ' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

describe('a real bot ending a hostile payload', () => {
  it('leaves none of its processes after TIMED_OUT, then after KILLED', async () => {
    const bot = h.start(h.args());
    const stream = await h.coordinator.stream(0, 15_000);
    await stream.take('hello');
    stream.welcome();
    stream.autoAck();
    for (const [i, ending] of (['timeout', 'kill'] as const).entries()) {
      const marker = `drover-escape-${randomBytes(6).toString('hex')}`;
      const taskId = `t-${ending}`;
      stream.send({
        assign: {
          task_id: taskId,
          lease_id: `l${i}`,
          manifest: manifest(['bash', ESCAPE, marker], {
            execution_timeout_secs: ending === 'timeout' ? 3 : 0,
            grace_period_secs: 1,
          }),
        },
      });
      await stream.outputUntil(taskId, 'ready', 15_000);
      await until(
        `every technique of ${taskId} running`,
        () => KINDS.every((k) => marked(marker).some((l) => l.includes(`${marker}-${k}`))),
        2_500,
      );
      if (ending === 'kill')
        stream.send({ kill: { task_id: taskId, lease_id: `l${i}`, reason: 'test' } });
      const finished = await stream.take('task_finished', 15_000);
      expect(finished.task_id).toBe(taskId);
      if (ending === 'timeout') expect(finished.timed_out).toBe('TIMEOUT_HARD');
      else expect(finished.killed).toBe(true);
      expect(marked(marker)).toEqual([]);
      stream.send({
        ack: {
          task_id: taskId,
          lease_id: `l${i}`,
          output_offset: Number(finished.output_size),
          finished: true,
        },
      });
    }
    bot.run.kill('SIGTERM');
    await bot.run;
  }, 60_000);
});
