import { figure, percentiles, roundsValue, spreadOf } from '../../harness/rounds';
import type { Figure, Value } from '../../harness/scenario';
import { COMMANDS, type CliRounds, type Command, type Contender } from './cli-runs';

/** The released `drover --version` and `submit` within 3× of `node -e 0`; stretch 2×. */
export const GOAL = 3;
export const STRETCH = 2;
const GOAL_COMMANDS: readonly Command[] = ['version', 'submit'];

const SHORT: Record<Command, string> = {
  version: '--version',
  submit: 'submit',
  result: 'result',
};

export interface CliFigures {
  readonly figures: Figure[];
  readonly values: Value[];
  /** One line: the goal and the stretch, met or missed, per command. */
  readonly verdict: string;
}

/**
 * A figure per contender (ms, spawn → exit), and ratios of medians taken round by round (the
 * contenders alternate within a round, so each round's ratio compares like with like): each
 * command ÷ `node -e 0`, and dev bin ÷ released.
 */
export function cliFigures(list: readonly Contender[], m: CliRounds): CliFigures {
  const mediansOf = (key: string) => (m[key] ?? []).map((round) => percentiles(round).p50);
  const node = mediansOf('node');
  const per = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
  const values: Value[] = [];
  const verdicts: string[] = [];
  for (const build of ['released', 'dev'] as const) {
    for (const command of COMMANDS) {
      const ratios = per(mediansOf(`${build}-${command}`), node);
      let name = `${build} ${SHORT[command]} ÷ node -e 0 (p50)`;
      if (build === 'released' && GOAL_COMMANDS.includes(command)) {
        const r = spreadOf(ratios).median;
        const mark = `goal ${GOAL}×: ${met(r <= GOAL)}, stretch ${STRETCH}×: ${met(r <= STRETCH)}`;
        name += ` — ${mark}`;
        verdicts.push(`${SHORT[command]} ${r.toFixed(2)}× (${mark})`);
      }
      values.push(roundsValue(name, '×', ratios));
    }
  }
  for (const command of COMMANDS) {
    values.push(
      roundsValue(
        `dev bin ÷ released: ${SHORT[command]} (p50)`,
        '×',
        per(mediansOf(`dev-${command}`), mediansOf(`released-${command}`)),
      ),
    );
  }
  return {
    figures: list.map((c) => figure(c.label, 'ms', m[c.key] ?? [])),
    values,
    verdict: `released drover vs node -e 0: ${verdicts.join('; ')}.`,
  };
}

const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
