// docs/graph.md, run as a reader runs it: its files are written, its commands run in order in one
// directory against a real drover-coordinator and two real drover-bot processes, and what each
// command prints is compared with what the page shows. The page cannot rot without this failing.
//
// The page's blocks:
//   ```yaml file=NAME   (or any language with file=NAME)  → written to NAME
//   ```console         → `$ command` lines, each followed by the output it shows: run with sh in
//                        the directory; its stdout must match the lines shown, where `…` inside a
//                        line stands for any text, a line of only `…` for any lines (or none),
//                        and a run of spaces for any run of spaces (columns line up differently).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT, CLI, COORDINATOR, RealBins } from './support/real-bins';

const PAGE = fileURLToPath(new URL('../../../docs/graph.md', import.meta.url));

/** One runnable piece of the page, in order. */
export type TutorialStep =
  | { readonly kind: 'file'; readonly name: string; readonly text: string; readonly line: number }
  | {
      readonly kind: 'command';
      readonly command: string;
      readonly expected: readonly string[];
      readonly line: number;
    };

/** The page's files and commands, in order (pure). */
export function tutorialSteps(markdown: string): TutorialStep[] {
  const steps: TutorialStep[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (fence === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    const body = lines.slice(start, end);
    const file = /\bfile=(\S+)/.exec(fence[2] ?? '');
    if (file !== null) {
      steps.push({ kind: 'file', name: file[1]!, text: `${body.join('\n')}\n`, line: start });
    } else if (fence[1] === 'console') {
      let current: { command: string; expected: string[]; line: number } | undefined;
      for (const [k, text] of body.entries()) {
        if (text.startsWith('$ ')) {
          if (current !== undefined) steps.push({ kind: 'command', ...current });
          current = { command: text.slice(2), expected: [], line: start + k + 1 };
        } else if (current !== undefined) {
          current.expected.push(text);
        }
      }
      if (current !== undefined) steps.push({ kind: 'command', ...current });
    }
    i = end;
  }
  return steps;
}

/**
 * Whether `actual` lines match `expected` (`…` in a line: any text; a line `…`: any lines; spaces:
 * any run of spaces).
 */
export function matchesShown(expected: readonly string[], actual: readonly string[]): boolean {
  const lineRe = (shown: string) =>
    new RegExp(
      `^${shown
        .trim()
        .split('…')
        .map((part) => escapeRe(part).replace(/ +/g, ' +'))
        .join('.*')}$`,
    );
  const match = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length;
    if (expected[e] === '…') {
      for (let k = a; k <= actual.length; k++) if (match(e + 1, k)) return true;
      return false;
    }
    return a < actual.length && lineRe(expected[e]!).test(actual[a]!.trim()) && match(e + 1, a + 1);
  };
  return match(0, 0);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the page parser', () => {
  it('finds files and commands with what they show, and matches `…`', () => {
    const steps = tutorialSteps(
      ['```yaml file=a.yaml', 'x: 1', '```', '```console', '$ cat a.yaml', 'x: …', '```'].join(
        '\n',
      ),
    );
    expect(steps).toEqual([
      { kind: 'file', name: 'a.yaml', text: 'x: 1\n', line: 1 },
      { kind: 'command', command: 'cat a.yaml', expected: ['x: …'], line: 5 },
    ]);
    expect(matchesShown(['x: …'], ['x: 1'])).toBe(true);
    expect(matchesShown(['…', 'end'], ['a', 'b', 'end'])).toBe(true);
    expect(matchesShown(['…', 'end'], ['end', 'more'])).toBe(false);
    expect(matchesShown(['a'], ['a', 'b'])).toBe(false);
    expect(matchesShown(['d FINISHED #1.1 …'], ['d     FINISHED    #1.1   8.3s'])).toBe(true);
    expect(matchesShown(['d FINISHED'], ['dFINISHED'])).toBe(false);
  });
});

let work: string;
let bins: RealBins;
let server = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drover-graph-tutorial-'));
  bins = new RealBins(work);
  const dataDir = join(work, '.drover');
  const coord = await bins.startUntil(
    COORDINATOR,
    ['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir],
    'coordinator ready',
  );
  server = String(coord.rec['grpc']);
  for (const id of ['tutorial-bot-1', 'tutorial-bot-2']) {
    await bins.startUntil(
      BOT,
      ['--server', server, '--data-dir', dataDir, '--id', id],
      'bot ready',
    );
  }
  // The reader's `drover`: the CLI of this checkout.
  mkdirSync(join(work, 'bin'));
  writeFileSync(
    join(work, 'bin', 'drover'),
    `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`,
  );
  chmodSync(join(work, 'bin', 'drover'), 0o755);
}, 60_000);

afterAll(async () => {
  await bins?.stopAll();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

function sh(command: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: work,
      env: {
        PATH: `${join(work, 'bin')}:${process.env['PATH'] ?? ''}`,
        HOME: work,
        DROVER_SERVER: server,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('docs/graph.md, run as written', () => {
  it('every command prints what the page shows', async () => {
    const steps = tutorialSteps(readFileSync(PAGE, 'utf8'));
    expect(steps.filter((s) => s.kind === 'command').length).toBeGreaterThan(5);
    for (const step of steps) {
      if (step.kind === 'file') {
        writeFileSync(join(work, step.name), step.text);
        continue;
      }
      const ran = await sh(step.command);
      const actual = ran.stdout.replace(/\n$/, '').split('\n');
      const shown = step.expected.length === 0 ? [''] : step.expected;
      if (!matchesShown(shown, actual)) {
        throw new Error(
          `docs/graph.md:${step.line}: \`${step.command}\` printed\n${ran.stdout}\n` +
            `(stderr: ${ran.stderr}; exit ${ran.code})\nbut the page shows\n${step.expected.join('\n')}`,
        );
      }
    }
  }, 600_000);
});
