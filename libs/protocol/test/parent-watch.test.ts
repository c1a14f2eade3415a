// watchParent in a real child process, its descriptor 3 a pipe whose other end this test holds
// (as `npm start`'s launcher does).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = new URL('../src/parent-watch.ts', import.meta.url).href;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * A child that watches its parent and prints what watchParent returned (and the variable left in
 * its environment), then `gone` when told. With `hold` it stays up until then.
 */
const SCRIPT = `
import { register } from 'tsx/esm/api';
register();
const { watchParent } = await import(${JSON.stringify(MODULE)});
const w = watchParent(process.env, () => { console.log('gone'); process.exit(0); });
console.log(JSON.stringify({ kind: w.kind, left: process.env.DROVER_PARENT_FD ?? null }));
if (process.argv[1] === 'hold') setInterval(() => {}, 60_000);
`;

function startChild(
  mode: 'hold' | 'free',
  fdValue: string | undefined,
  withPipe = true,
): { child: ChildProcess; lines: AsyncIterator<string> } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (fdValue === undefined) delete env['DROVER_PARENT_FD'];
  else env['DROVER_PARENT_FD'] = fdValue;
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, mode], {
    cwd: ROOT,
    env,
    stdio: withPipe ? ['ignore', 'pipe', 'inherit', 'pipe'] : ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next();
  if (next.done === true) throw new Error('the child printed nothing more');
  return next.value;
}

describe('watchParent', () => {
  it("calls back once the parent's end of the pipe closes, and takes the variable out of env", async () => {
    const { child, lines } = startChild('hold', '3');
    expect(JSON.parse(await nextLine(lines))).toEqual({ kind: 'watching', left: null });
    const exited = once(child, 'exit');
    child.stdio[3]!.destroy();
    expect(await nextLine(lines)).toBe('gone');
    expect(await exited).toEqual([0, null]);
  });

  it('does not keep the process alive', async () => {
    const { child, lines } = startChild('free', '3');
    const exited = once(child, 'exit');
    expect(JSON.parse(await nextLine(lines))).toEqual({ kind: 'watching', left: null });
    // The parent's end is still open: the child ends because nothing else holds it.
    expect(await exited).toEqual([0, null]);
    expect((await lines.next()).done).toBe(true);
  });

  it('is off without the variable', async () => {
    const { lines } = startChild('free', undefined);
    expect(JSON.parse(await nextLine(lines))).toEqual({ kind: 'off', left: null });
  });

  it.each([
    ['names no open descriptor', '3', false],
    ['is not a number', 'three', true],
    ['names stdin', '0', true],
  ])('is invalid when the variable %s', async (_what, value, withPipe) => {
    const { lines } = startChild('free', value, withPipe);
    expect(JSON.parse(await nextLine(lines))).toEqual({ kind: 'invalid', left: null });
  });
});
