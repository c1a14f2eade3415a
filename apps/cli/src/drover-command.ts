import { Command, type Option, type ParseOptionsResult } from 'commander';

/**
 * An attempt as the CLI names it, `<quest>:<n>`, whose quest id begins with '-'. Quest ids are
 * base64url (docs/graph.md), so one in 64 does; Commander would read such an argument as an
 * option: `drover graph result -y0n…:1` failed as an unknown option (exit 2), and one beginning
 * `-V` printed the version and exited 0. No option of the CLI looks like this (42 base64url
 * characters and a colon after the dash), so it is always an operand.
 */
const DASHED_ATTEMPT = /^-[A-Za-z0-9_-]{42}:\d+$/;

/** Put before such an argument while Commander parses, so it is not taken for an option. */
const MARK = '\0';

/**
 * The CLI's Command: the same as Commander's, but an attempt whose quest id begins with '-' is an
 * operand where it stands (`drover graph walk -y0n…:1 --results`), and the value of an option
 * that takes one as before (`--dep -y0n…:1`; after an option whose value is optional, `[x]`, it
 * is still read as an option, as Commander reads it). Subcommands made with .command() are
 * DroverCommands.
 */
export class DroverCommand extends Command {
  override createCommand(name?: string): Command {
    return new DroverCommand(name);
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    const marked = argv.map((arg, i) =>
      DASHED_ATTEMPT.test(arg) && !this.#takesValue(argv[i - 1]) ? MARK + arg : arg,
    );
    const { operands, unknown } = super.parseOptions(marked);
    // A value Commander took without its flag just before (a variadic option's later values, the
    // last of combined short flags `-bd`) is the attempt as given; none of the CLI has such an
    // option today.
    for (const [key, value] of Object.entries(this.opts())) {
      if (isMarked(value) || (Array.isArray(value) && value.some(isMarked))) {
        const clean = Array.isArray(value) ? value.map(unmarkAny) : unmarkAny(value);
        this.setOptionValueWithSource(key, clean, this.getOptionValueSource(key) ?? 'cli');
      }
    }
    return { operands: operands.map(unmark), unknown: unknown.map(unmark) };
  }

  /** Whether `arg` is an option of this command that takes the next argument as its value. */
  #takesValue(arg: string | undefined): boolean {
    if (arg === undefined) return false;
    return this.options.some(
      (o: Option) => (o.required || o.optional) && (o.long === arg || o.short === arg),
    );
  }
}

function unmark(arg: string): string {
  return arg.startsWith(MARK) ? arg.slice(MARK.length) : arg;
}

function isMarked(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(MARK);
}

function unmarkAny(value: unknown): unknown {
  return isMarked(value) ? (value as string).slice(MARK.length) : value;
}
