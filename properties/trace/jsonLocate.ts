/** Locate the first JSON syntax error: offset, line/col and the trace path it sits in (Node's messages lack them). */

/** Where a JSON text first goes wrong. */
export interface JsonErrorSite {
  offset: number;
  line: number;
  col: number;
  /** Path of the value being read, e.g. `steps[4].hva`; '' at top level. */
  path: string;
  reason: string;
}

class Fail {
  constructor(readonly offset: number, readonly reason: string) {}
}

/** A small recursive-descent JSON reader that only tracks position and path (RFC 8259 grammar). */
class Scanner {
  i = 0;
  readonly path: Array<string | number> = [];
  constructor(private readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }
  fail(reason: string): never {
    throw new Fail(this.i, this.i >= this.s.length ? 'unexpected end of input' : `${reason}, found ${JSON.stringify(this.s[this.i])}`);
  }
  expect(c: string): void {
    this.ws();
    if (this.s[this.i] !== c) this.fail(`expected '${c}'`);
    this.i++;
  }
  value(): void {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return void this.string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail('expected a JSON value');
    this.i += m[0].length;
  }
  string(): string {
    // eslint-disable-next-line no-control-regex -- RFC 8259: raw control characters are not allowed in strings
    const m = /^"((?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"/.exec(this.s.slice(this.i));
    if (!m) this.fail('unterminated or malformed string');
    this.i += m[0].length;
    return m[1];
  }
  object(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return; }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a property name');
      this.path.push(this.string());
      this.expect(':');
      this.value();
      this.path.pop();
      this.ws();
      if (this.s[this.i] === '}') { this.i++; return; }
      this.expect(',');
    }
  }
  array(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return; }
    for (let k = 0; ; k++) {
      this.path.push(k);
      this.value();
      this.path.pop();
      this.ws();
      if (this.s[this.i] === ']') { this.i++; return; }
      this.expect(',');
    }
  }
}

/** Render a path as `steps[3].ipa`. */
export function pathString(path: ReadonlyArray<string | number>): string {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? p : `.${p}`)).join('');
}

/** The first syntax error of `text`, or null when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorSite | null {
  const sc = new Scanner(text);
  try {
    sc.value();
    sc.ws();
    if (sc.i < text.length) sc.fail('unexpected text after the JSON value');
    return null;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const before = text.slice(0, e.offset).split('\n');
    return { offset: e.offset, line: before.length, col: before[before.length - 1].length + 1, path: pathString(sc.path), reason: e.reason };
  }
}
