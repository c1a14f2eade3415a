/**
 * Canonical JSON for quest parameters and results (DESIGN.md §5). The input must be exactly one
 * JSON object (RFC 8259; whitespace around it allowed, nothing else). The output is the same
 * value re-encoded in one way:
 * - object keys sorted by their UTF-8 bytes (= code point order; Go's sort of DM), no whitespace;
 * - duplicate keys: the last one wins, as in Go's encoding/json and JSON.parse;
 * - numbers exactly as written (`1.0`, `-0`, `1E5`, `1e400`, `12345678901234567890` stay), never
 *   round-tripped through a double;
 * - strings as JSON.stringify writes them: `"` `\\` and control characters escaped (`\n`…,
 *   `\u001f`), lone surrogates as `\udXXX`, everything else literal (so `"\u00e9"` becomes `"é"`
 *   and `"\/"` becomes `"/"`).
 * Nothing is thrown for bad input: the outcome is data naming the field.
 */

/** Nesting deeper than this is refused (it also keeps the recursive parser off the stack limit). */
export const MAX_JSON_DEPTH = 256;

export type CanonicalJsonError = 'invalid-json' | 'not-an-object' | 'too-large';

export interface CanonicalJson {
  /** The canonical text. */
  readonly text: string;
  /** Its UTF-8 length. */
  readonly bytes: number;
}

export type CanonicalJsonOutcome =
  | { readonly ok: CanonicalJson }
  | { readonly error: CanonicalJsonError; readonly field: string; readonly message: string };

/**
 * Parses `input` as one JSON object and re-encodes it canonically. `field` names the input in the
 * error (e.g. 'parameters'); `maxBytes` bounds the canonical form, if given.
 */
export function canonicalJsonObject(
  input: string,
  field: string,
  maxBytes?: number,
): CanonicalJsonOutcome {
  const parser = new Parser(input);
  let value: Parsed;
  try {
    parser.skipWhitespace();
    value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos < input.length) parser.fail('unexpected text after the JSON value');
  } catch (err) {
    if (err instanceof SyntaxProblem) {
      return { error: 'invalid-json', field, message: `${field}: invalid JSON: ${err.message}` };
    }
    throw err;
  }
  if (value.kind !== 'object') {
    return {
      error: 'not-an-object',
      field,
      message: `${field}: must be one JSON object, got ${value.kind === 'array' ? 'an array' : `a ${value.kind}`}`,
    };
  }
  const bytes = utf8Length(value.text);
  if (maxBytes !== undefined && bytes > maxBytes) {
    return {
      error: 'too-large',
      field,
      message: `${field}: ${bytes} bytes once normalized, more than the limit of ${maxBytes}`,
    };
  }
  return { ok: { text: value.text, bytes } };
}

/** Compares two strings by their UTF-8 bytes (code points; a lone surrogate by its value). */
export function compareUtf8(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i === b.length - j ? 0 : i < a.length ? 1 : -1;
}

/** UTF-8 length of a well-formed string (the canonical text escapes lone surrogates). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

type Parsed = {
  readonly kind: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  readonly text: string;
};

class SyntaxProblem extends Error {}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;

  constructor(private readonly input: string) {}

  fail(message: string): never {
    throw new SyntaxProblem(`${message} at offset ${this.pos}`);
  }

  skipWhitespace(): void {
    for (;;) {
      const c = this.input.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  value(depth: number): Parsed {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH}`);
    const c = this.input[this.pos];
    switch (c) {
      case '{':
        return { kind: 'object', text: this.object(depth) };
      case '[':
        return { kind: 'array', text: this.array(depth) };
      case '"':
        return { kind: 'string', text: JSON.stringify(this.string()) };
      case 't':
        return { kind: 'boolean', text: this.literal('true') };
      case 'f':
        return { kind: 'boolean', text: this.literal('false') };
      case 'n':
        return { kind: 'null', text: this.literal('null') };
      case undefined:
        return this.fail('unexpected end of input');
      default:
        return { kind: 'number', text: this.number() };
    }
  }

  private object(depth: number): string {
    this.pos++; // {
    const members = new Map<string, string>();
    this.skipWhitespace();
    if (this.input[this.pos] === '}') {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.skipWhitespace();
      if (this.input[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.skipWhitespace();
      if (this.input[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      members.delete(key); // the last duplicate wins
      members.set(key, this.value(depth + 1).text);
      this.skipWhitespace();
      const next = this.input[this.pos++];
      if (next === '}') break;
      if (next !== ',') {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
    const keys = [...members.keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${members.get(k)!}`).join(',')}}`;
  }

  private array(depth: number): string {
    this.pos++; // [
    const items: string[] = [];
    this.skipWhitespace();
    if (this.input[this.pos] === ']') {
      this.pos++;
      return '[]';
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.value(depth + 1).text);
      this.skipWhitespace();
      const next = this.input[this.pos++];
      if (next === ']') break;
      if (next !== ',') {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
    return `[${items.join(',')}]`;
  }

  /** Reads a string literal and returns its decoded value. */
  private string(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const code = this.input.charCodeAt(this.pos);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) break;
      if (code < 0x20) this.fail('raw control character in a string');
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.input.slice(runStart, this.pos);
      const e = this.input[this.pos + 1];
      if (e === 'u') {
        const hex = this.input.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        const decoded = e === undefined ? undefined : ESCAPES[e];
        if (decoded === undefined) this.fail('bad escape');
        out += decoded;
        this.pos += 2;
      }
      runStart = this.pos;
    }
    out += this.input.slice(runStart, this.pos);
    this.pos++; // closing quote
    return out;
  }

  private number(): string {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.input);
    if (match === null) this.fail('unexpected character');
    this.pos += match[0].length;
    return match[0];
  }

  private literal(word: string): string {
    if (!this.input.startsWith(word, this.pos)) this.fail('unexpected character');
    this.pos += word.length;
    return word;
  }
}
