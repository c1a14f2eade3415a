// A task's output as a terminal shows it, with no DOM (pure, tested in node): SGR colours and bold
// kept as styles (30–37, 90–97, 40–47, 100–107, 1, 0/22/39/49), every other escape sequence and
// control byte dropped, `\r` moving back to the start of the line so a progress line rewritten in
// place shows its last state, `\b` one column back. Text arrives in chunks: an escape sequence
// split between two chunks is kept until its end arrives.

/**
 * A run of text in one style: `fg`/`bg` the SGR code (e.g. 31, 42) or 0 for the default.
 * @typedef {{ text: string, fg: number, bg: number, bold: boolean }} Segment
 */

/** @typedef {{ fg: number, bg: number, bold: boolean }} Style */

const ESC = '\u001b';
/** The longest escape sequence kept while waiting for its end; longer ones are dropped. */
const MAX_PENDING = 256;

/** @param {Style} a @param {Style} b */
function sameStyle(a, b) {
  return a.fg === b.fg && a.bg === b.bg && a.bold === b.bold;
}

/**
 * Applies an SGR parameter list (the part between `ESC[` and `m`) to a style.
 * @param {Style} style @param {string} params @returns {Style}
 */
export function applySgr(style, params) {
  let { fg, bg, bold } = style;
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = /** @type {number} */ (codes[i]);
    if (c === 0) {
      fg = 0;
      bg = 0;
      bold = false;
    } else if (c === 1) bold = true;
    else if (c === 22) bold = false;
    else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) fg = c;
    else if (c === 39) fg = 0;
    else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107)) bg = c;
    else if (c === 49) bg = 0;
    else if (c === 38 || c === 48) {
      // 256-colour or RGB: not rendered; skip its arguments.
      i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 1;
    }
  }
  return { fg, bg, bold };
}

/**
 * A terminal of unbounded height: `write` text, read the finished lines it returns and the
 * line being written (`current()`).
 */
export class AnsiTerminal {
  constructor() {
    /** @type {Style} */
    this.style = { fg: 0, bg: 0, bold: false };
    /** @type {Array<{ ch: string, style: Style }>} the line being written */
    this.cells = [];
    this.col = 0;
    /** An escape sequence not finished in the last chunk. */
    this.pending = '';
  }

  /**
   * Writes `text`; returns the lines it finished (each as its segments).
   * @param {string} text @returns {Segment[][]}
   */
  write(text) {
    /** @type {Segment[][]} */
    const done = [];
    const s = this.pending + text;
    this.pending = '';
    let i = 0;
    while (i < s.length) {
      const ch = /** @type {string} */ (s[i]);
      if (ch === ESC) {
        const end = escapeEnd(s, i);
        if (end === -1) {
          if (s.length - i <= MAX_PENDING) this.pending = s.slice(i);
          break;
        }
        const seq = s.slice(i, end);
        if (seq.startsWith(`${ESC}[`) && seq.endsWith('m')) {
          const params = seq.slice(2, -1);
          if (/^[0-9;:]*$/.test(params)) this.style = applySgr(this.style, params);
        }
        i = end;
        continue;
      }
      if (ch === '\n') {
        done.push(this.current());
        this.cells = [];
        this.col = 0;
      } else if (ch === '\r') {
        this.col = 0;
      } else if (ch === '\b') {
        if (this.col > 0) this.col--;
      } else if (ch === '\t' || ch >= ' ') {
        if (ch === '\u007f' || (ch >= '\u0080' && ch <= '\u009f')) {
          // DEL and C1 controls: dropped
        } else {
          const cell = { ch, style: this.style };
          if (this.col < this.cells.length) this.cells[this.col] = cell;
          else this.cells.push(cell);
          this.col++;
        }
      }
      i++;
    }
    return done;
  }

  /** The line being written, as segments. @returns {Segment[]} */
  current() {
    /** @type {Segment[]} */
    const out = [];
    for (const { ch, style } of this.cells) {
      const last = out[out.length - 1];
      if (last !== undefined && sameStyle(last, style)) last.text += ch;
      else out.push({ text: ch, ...style });
    }
    return out;
  }
}

/**
 * Where the escape sequence starting at `s[i]` (an ESC) ends (exclusive), or -1 if `s` ends first.
 * CSI `ESC [ params intermediates final`, OSC/DCS/APC/PM/SOS up to BEL or `ESC \`, else ESC and
 * one byte (with intermediates).
 * @param {string} s @param {number} i
 */
function escapeEnd(s, i) {
  const kind = s[i + 1];
  if (kind === undefined) return -1;
  if (kind === '[') {
    for (let j = i + 2; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
      if (c < 0x20 || c > 0x7e) return j; // malformed: drop what came before
    }
    return -1;
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^' || kind === 'X') {
    for (let j = i + 2; j < s.length; j++) {
      if (s[j] === '\u0007') return j + 1;
      if (s[j] === ESC) {
        if (j + 1 >= s.length) return -1;
        if (s[j + 1] === '\\') return j + 2;
      }
    }
    return -1;
  }
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  return j < s.length ? j + 1 : -1;
}

/**
 * The whole of `text` rendered: its lines, the last one possibly unfinished.
 * @param {string} text @returns {Segment[][]}
 */
export function renderAnsi(text) {
  const term = new AnsiTerminal();
  const lines = term.write(text);
  lines.push(term.current());
  return lines;
}

/** The CSS classes of a segment's style. @param {Segment} seg @returns {string} */
export function segmentClass(seg) {
  const out = [];
  if (seg.fg !== 0) out.push(`ansi-fg-${seg.fg}`);
  if (seg.bg !== 0) out.push(`ansi-bg-${seg.bg}`);
  if (seg.bold) out.push('ansi-bold');
  return out.join(' ');
}
