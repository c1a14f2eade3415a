// Helpers for the Graph tests with real bot processes: quests whose payloads are `sh -c` scripts
// calling the real `drover graph` CLI (the bot gives every task its `drover`), and waits on the coordinator's
// graph events for an attempt's executions (never sleeps).
import type { QuestDescWire } from '@drover/protocol';
import { sameAttempt, type AttemptId, type Execution } from '@drover/state';
import { fileURLToPath } from 'node:url';
import type { RunningCoordinator } from '../../src/index';

/** The CLI of this checkout, as a test (not a payload) runs it. */
export const DROVER_CLI = fileURLToPath(new URL('../../../cli/bin/drover.js', import.meta.url));

/**
 * What every payload script starts with: `g <args>` runs `drover graph <args>` with the `drover`
 * the bot puts first on every task's PATH (the bot's payload env gives the CLI DROVER_SERVER,
 * DROVER_EXECUTION_ID and DROVER_EXECUTION_TOKEN), and `run` is
 * how many times this quest's payload has started (counted in `$OUT/$NAME.runs`).
 */
export const PREAMBLE = [
  'set -eu',
  'g() { drover graph "$@"; }',
  'run=$(( $(cat "$OUT/$NAME.runs" 2>/dev/null || echo 0) + 1 ))',
  'echo "$run" > "$OUT/$NAME.runs"',
].join('\n');

/**
 * A diamond node. Activates; with `$DEPS` (space-separated `<quest>:<n>`), the first run asks for
 * them and exits with the halt code (75: a halted execution's exit code does not matter) while
 * one is not final; the run woken when they are reads their results (the attempt's edges, not
 * this execution's) and finishes with `{"name": $NAME, "deps": [results…]}`.
 * - `$ASK_AGAIN` (optional): every run asks for `$DEPS`, not only the first.
 * - `$PEEK` (optional): an attempt it does NOT depend on, walked into `$OUT/$NAME.peek.json`.
 * - `$CYCLE` (optional): a file naming attempts (one a line) that depending on would close a
 *   cycle; the first run asks for each and records the CLI's exit code and message in
 *   `$OUT/$NAME.cycle.<n>.rc` and `.err`.
 */
export const DIAMOND_NODE = `${PREAMBLE}
g activate > /dev/null
if [ -n "\${CYCLE:-}" ] && [ "$run" -eq 1 ]; then
  n=0
  while read -r to; do
    n=$((n + 1)); rc=0
    g ensure --dep "$to" > /dev/null 2> "$OUT/$NAME.cycle.$n.err" < /dev/null || rc=$?
    echo "$rc" > "$OUT/$NAME.cycle.$n.rc"
  done < "$CYCLE"
fi
deps=''
if [ -n "\${DEPS:-}" ]; then
  if [ "$run" -eq 1 ] || [ -n "\${ASK_AGAIN:-}" ]; then
    set --
    for dep in $DEPS; do set -- "$@" --dep "$dep"; done
    rc=0
    g ensure "$@" --halt-exit-code 75 > /dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then exit "$rc"; fi
  fi
  deps=$(g result $DEPS)
  deps=$(echo "$deps" | paste -sd, -)
fi
if [ -n "\${PEEK:-}" ]; then g walk "$PEEK" --results > "$OUT/$NAME.peek.json"; fi
g finish "{\\"name\\":\\"$NAME\\",\\"deps\\":[$deps]}" > /dev/null
`;

/** A quest run by the built-in `drover` distributor: `sh -c <script>` with `env` in `pool`. */
export function shQuest(
  out: string,
  name: string,
  script: string,
  opts: { env?: Record<string, string>; meta?: QuestDescWire['meta']; pool?: string } = {},
): QuestDescWire {
  return {
    distributor_config_name: 'drover',
    parameters: JSON.stringify({ name }),
    distributor_parameters: JSON.stringify({
      command: ['sh', '-c', script],
      dimensions: { pool: opts.pool ?? 'default' },
      env: {
        OUT: out,
        NAME: name,
        ...opts.env,
      },
    }),
    meta: opts.meta ?? null,
  };
}

/** `retry` in a quest's meta (the other fields at their defaults). */
export function retryMeta(retry: {
  failed?: number;
  crashed?: number;
  expired?: number;
  timed_out?: number;
}): QuestDescWire['meta'] {
  return { as_account: '', retry, timeouts: null };
}

/** `<quest>:<n>`, the CLI's way to name an attempt. */
export const ref = (a: AttemptId): string => `${a.quest}:${a.attempt}`;

/** Resolves with the attempt's executions once `pred` holds, checking after each graph change. */
export function waitForExecutions(
  coord: RunningCoordinator,
  id: AttemptId,
  pred: (executions: readonly Execution[]) => boolean,
  deadlineMs = 20_000,
): Promise<readonly Execution[]> {
  return new Promise((resolve, reject) => {
    let last: readonly Execution[] = [];
    const cleanup = () => {
      clearTimeout(timer);
      coord.graph.events.off('changed', onChange);
    };
    const check = () => {
      coord.store.listExecutions(id).then((list) => {
        last = list;
        if (pred(list)) {
          cleanup();
          resolve(list);
        }
      }, reject);
    };
    const onChange = (changed: AttemptId) => {
      if (sameAttempt(changed, id)) check();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`executions not as expected before the deadline: ${JSON.stringify(last)}`));
    }, deadlineMs);
    coord.graph.events.on('changed', onChange);
    check();
  });
}
