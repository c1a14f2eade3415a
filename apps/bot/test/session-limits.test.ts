import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockedOnWrite, until, within } from './helpers';
import { assign, capturingLogger, joined, useSessionHarness } from './session-harness';

/**
 * What keeps the bot's memory bounded and the coordinator out of a bot that cannot work: the
 * output cap, backpressure on unacknowledged output, and the low-disk self-quarantine.
 */

const h = useSessionHarness();
const KiB = 1024;

describe('session limits', () => {
  it('caps a task output: the rest is dropped and a last line says how much; output_size is what was sent', async () => {
    h.startSession({ maxOutputBytes: 100 * KiB });
    const stream = await h.connected();
    stream.autoAck();
    assign(stream, 't1', 'head -c 300000 /dev/zero | tr "\\0" x');
    const finished = await stream.take('task_finished');
    const marker = `\n[drover: output truncated: ${300_000 - 100 * KiB} bytes dropped past the 100 KiB cap]\n`;
    expect(finished).toMatchObject({ exit_code: 0, output_size: 100 * KiB + marker.length });
    expect(joined(await stream.outputUntil('t1', marker))).toBe('x'.repeat(100 * KiB) + marker);
  });

  it('pauses the payload while too much output waits for an Ack, and resumes it as Acks come', async () => {
    const bound = 256 * KiB;
    const { log, lines } = capturingLogger();
    h.startSession({ log, maxUnackedOutputBytes: bound });
    const stream = await h.connected();
    assign(stream, 't1', 'echo $$ > pid; exec head -c 4000000 /dev/zero');
    // No Ack yet: the bot stops reading past the bound, and the payload blocks on write.
    await until('output paused', () =>
      lines.some((l) => l.msg === 'output paused: too much waits for acknowledgement'),
    );
    const paused = lines.find((l) => l.msg === 'output paused: too much waits for acknowledgement');
    expect(paused?.keptBytes).toBeGreaterThan(bound);
    expect(paused?.keptBytes).toBeLessThanOrEqual(bound + 64 * KiB);
    const pid = await payloadPid(h.root);
    await until('the payload blocks on write', () => blockedOnWrite(pid));
    await until('the bot sent what it read', () => stream.outputBytes('t1') === paused?.keptBytes);
    expect(stream.all('task_finished')).toEqual([]);

    stream.autoAck();
    const finished = await within('task end', stream.take('task_finished'));
    expect(finished).toMatchObject({ exit_code: 0, output_size: 4_000_000 });
    expect(stream.outputBytes('t1')).toBe(4_000_000);
    expect(lines.some((l) => l.msg === 'output resumed: acknowledged')).toBe(true);
  });

  it('quarantines itself while the free disk is below the minimum, and says so until it recovers', async () => {
    let free: number | undefined = 512 * KiB ** 2;
    const { log, lines } = capturingLogger();
    h.startSession({
      log,
      minFreeDiskBytes: KiB ** 3,
      freeDiskProbe: () => Promise.resolve(free),
    });
    const stream = await h.coordinator.stream(0);
    const hello = await stream.take('hello');
    expect(hello.state).toMatchObject({
      free_disk_bytes: 512 * KiB ** 2,
      quarantined_reason: 'low disk: 512 MiB free < 1 GiB',
    });
    stream.welcome();
    expect((await stream.take('heartbeat')).state?.quarantined_reason).toBe(
      'low disk: 512 MiB free < 1 GiB',
    );
    free = 2 * KiB ** 3;
    await until('a heartbeat without the reason', () =>
      stream.all('heartbeat').some((b) => b.state?.quarantined_reason === ''),
    );
    // An unknown free disk (the probe failed) takes nobody out of service.
    free = undefined;
    await until('a heartbeat with an unknown free disk', () =>
      stream.all('heartbeat').some((b) => b.state?.free_disk_bytes === 0),
    );
    expect(stream.all('heartbeat').at(-1)?.state?.quarantined_reason).toBe('');
    expect(lines.filter((l) => l.msg === 'low disk: taking no tasks')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'disk space recovered: taking tasks again')).toHaveLength(
      1,
    );
  });
});

/** The pid the payload of task t1 wrote into its work dir. */
async function payloadPid(botDir: string): Promise<number> {
  const file = path.join(botDir, 'w', 't1', 'pid');
  let text = '';
  await until('the payload pid', async () => {
    text = await readFile(file, 'utf8').catch(() => '');
    return text.endsWith('\n');
  });
  return Number(text.trim());
}
