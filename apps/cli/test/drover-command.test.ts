// Quest ids are base64url, so one in 64 begins with '-': the CLI's Command reads `<quest>:<n>`
// as an operand wherever it stands, never as an option (drover-command.ts).
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { DroverCommand } from '../src/drover-command';

const DASHED = '-y0nnHQ86WY320J43PEVMSuDUwBLKvszt3RmPfJ_piM';
const VERSION_LIKE = '-VmzJ3bDLkQ4y1r1C9hHh7VVgcg9LoN2GZmXqyGvT0o';
const PLAIN = 'svEXEaF1CvfRgr7q0FJkr7gU3OTK5lFkiSi56U5f_Dw';

/** `t [--server a] [-V] sub [--dep ref]… [--depth n] [--results] <ref...>`, as parsed. */
function parse(args: string[]) {
  const seen: { refs?: string[]; opts?: Record<string, unknown>; version?: boolean } = {};
  const program = new DroverCommand('t')
    .option('--server <host:port>')
    .option('-V, --version')
    .on('option:version', () => (seen.version = true))
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  program
    .command('sub')
    .option('--dep <quest:n>', 'repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--depth <n>')
    .option('--results')
    .argument('<quest:n...>')
    .action((refs: string[], opts: Record<string, unknown>) => {
      seen.refs = refs;
      seen.opts = opts;
    });
  program.parse(args, { from: 'user' });
  return { ...seen, global: program.opts() };
}

describe("an attempt whose quest id begins with '-'", () => {
  it('is an operand in its place among the others, before or after options', () => {
    expect(
      parse(['sub', `${DASHED}:1`, '--results', `${PLAIN}:2`, `${VERSION_LIKE}:3`]),
    ).toMatchObject({
      refs: [`${DASHED}:1`, `${PLAIN}:2`, `${VERSION_LIKE}:3`],
      opts: { results: true },
    });
    expect(parse(['--server', 'h:1', 'sub', '--depth', '2', `${VERSION_LIKE}:1`])).toMatchObject({
      refs: [`${VERSION_LIKE}:1`],
      opts: { depth: '2' },
      global: { server: 'h:1' },
    });
  });

  it("is never read as a short option: one beginning '-V' does not print the version", () => {
    const parsed = parse(['sub', `${VERSION_LIKE}:1`]);
    expect(parsed.version).toBeUndefined();
    expect(parsed.refs).toEqual([`${VERSION_LIKE}:1`]);
  });

  it("is an option's value where the option takes one, in either spelling", () => {
    // The parent command, which does not know --dep, once read the value as -V.
    const parsed = parse(['sub', '--dep', `${VERSION_LIKE}:1`, `--dep=${DASHED}:2`, `${PLAIN}:1`]);
    expect(parsed).toMatchObject({
      refs: [`${PLAIN}:1`],
      opts: { dep: [`${VERSION_LIKE}:1`, `${DASHED}:2`] },
    });
    expect(parsed.version).toBeUndefined();
    expect(parse(['--server', `${DASHED}:1`, 'sub', `${PLAIN}:1`]).global).toEqual({
      server: `${DASHED}:1`,
    });
  });

  it('is an operand after -- as before', () => {
    expect(parse(['sub', '--', `${DASHED}:1`, '--results']).refs).toEqual([
      `${DASHED}:1`,
      '--results',
    ]);
  });

  it('leaves anything else that begins with - an option (unknown ones still refused)', () => {
    expect(() => parse(['sub', `${DASHED}`])).toThrow(CommanderError);
    expect(() => parse(['sub', `${DASHED}:x`])).toThrow(/unknown option/);
    expect(() => parse(['sub', '-x', `${PLAIN}:1`])).toThrow(/unknown option '-x'/);
  });
});

describe('an option Commander fills without its flag just before', () => {
  it('gets the attempt as given (a variadic option, the last of combined short flags)', () => {
    const program = new DroverCommand('t')
      .option('--refs <quest:n...>')
      .option('-b')
      .option('-d <quest:n>')
      .exitOverride();
    program.parse(['--refs', `${PLAIN}:1`, `${DASHED}:2`, '-bd', `${VERSION_LIKE}:3`], {
      from: 'user',
    });
    expect(program.opts()).toEqual({
      refs: [`${PLAIN}:1`, `${DASHED}:2`],
      b: true,
      d: `${VERSION_LIKE}:3`,
    });
  });
});
