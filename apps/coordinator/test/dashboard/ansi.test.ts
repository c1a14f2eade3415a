// The task page's terminal renderer (static/ansi.js, a browser module with no DOM) run in node:
// SGR colours and bold kept, every other escape dropped, `\r` rewriting the line in place.
import { describe, expect, it } from 'vitest';

interface Segment {
  text: string;
  fg: number;
  bg: number;
  bold: boolean;
}
interface AnsiModule {
  renderAnsi(text: string): Segment[][];
  AnsiTerminal: new () => { write(text: string): Segment[][]; current(): Segment[] };
}

// A path in a variable: the module is plain JS for the browser, with no type declarations.
const ANSI_URL = new URL('../../src/dashboard/static/ansi.js', import.meta.url).href;
const { renderAnsi, AnsiTerminal } = (await import(ANSI_URL)) as AnsiModule;

const plain = (lines: Segment[][]) => lines.map((l) => l.map((s) => s.text).join(''));
const seg = (text: string, fg = 0, bg = 0, bold = false): Segment => ({ text, fg, bg, bold });

describe('ansi renderer', () => {
  it('keeps SGR colours and bold as styles', () => {
    expect(renderAnsi('a \u001b[31mred\u001b[0m b')).toEqual([
      [seg('a '), seg('red', 31), seg(' b')],
    ]);
    expect(renderAnsi('\u001b[1;92;44mX\u001b[22mY\u001b[39;49mZ')).toEqual([
      [seg('X', 92, 44, true), seg('Y', 92, 44), seg('Z')],
    ]);
    expect(renderAnsi('\u001b[mA\u001b[38;5;200mB\u001b[38;2;1;2;3;1mC')).toEqual([
      [seg('AB'), seg('C', 0, 0, true)],
    ]);
  });

  it('drops other escape sequences and control bytes', () => {
    const out = renderAnsi('\u001b[2J\u001b[?25lA\u001b]0;title\u0007B\u001b(BC\u0007D\u001b[1;1H');
    expect(plain(out)).toEqual(['ABCD']);
    expect(JSON.stringify(out)).not.toContain('\u001b');
  });

  it('rewrites a line on \\r as a terminal does', () => {
    const bar = 'progress 10%\rprogress 50%\rprogress 100%\ndone\n';
    expect(plain(renderAnsi(bar))).toEqual(['progress 100%', 'done', '']);
    expect(plain(renderAnsi('abcdef\rXY\n'))).toEqual(['XYcdef', '']);
    expect(plain(renderAnsi('crlf\r\nnext'))).toEqual(['crlf', 'next']);
    expect(plain(renderAnsi('ab\bC'))).toEqual(['aC']);
  });

  it('keeps an escape sequence split between chunks', () => {
    const term = new AnsiTerminal();
    expect(term.write('x\u001b[3')).toEqual([]);
    expect(term.write('1my\n')).toEqual([[seg('x'), seg('y', 31)]]);
    term.write('50%\r');
    term.write('99%');
    expect(term.current()).toEqual([seg('99%', 31)]);
  });
});
