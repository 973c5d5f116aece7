/**
 * A fast reader for the YAML that `kubectl get -o yaml` and `collect` write: block mappings and
 * sequences, one-line plain and quoted scalars, `|` block scalars, `{}` and `[]`, comments and
 * `---` separators. The `yaml` package reads such files at about 2 MB/s (a collected bundle of a
 * large mesh is hundreds of MB); this reads them at tens of MB/s.
 *
 * It gives exactly what the `yaml` package gives (YAML 1.2 core schema, `toJS`, last duplicate key
 * wins) for what it accepts, and gives up (undefined) on anything else — anchors, aliases, tags,
 * flow collections, folded or multi-line scalars, tabs in indentation, directives, odd keys —
 * so the caller then reads the text with the `yaml` package, which also reports errors with their
 * line. Nothing here ever throws.
 */

class Unsupported extends Error {}

const fail = (): never => {
  throw new Unsupported();
};

interface Line {
  /** Indentation (spaces). */
  readonly indent: number;
  /** The text after the indentation, trailing `\r` removed. */
  readonly text: string;
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const NAN_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar as the core schema resolves it (the yaml package's test order). */
function resolvePlain(s: string): unknown {
  // Most scalars are words (keys, names): only `~`, `n`/`N` (null), `t`/`T`/`f`/`F` (booleans,
  // at most 5 characters), digits, `+`, `-` and `.` can start anything but a string below.
  const c = s.charCodeAt(0);
  if (c >= 97 ? c !== 110 && c !== 116 && c !== 102 && c !== 126 : c >= 65 && c <= 90 && c !== 78 && c !== 84 && c !== 70) return s;
  if (s.length > 5 && (c === 110 || c === 116 || c === 102 || c === 78 || c === 84 || c === 70)) return s;
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T';
  if (OCT_RE.test(s)) return parseInt(s.substring(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (HEX_RE.test(s)) return parseInt(s.substring(2), 16);
  if (NAN_RE.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s);
  return s;
}

/** A plain scalar's text: up to a comment, trimmed; undefined when it is not a simple plain scalar. */
function plainText(s: string): string | undefined {
  const c = s[0];
  if (c === undefined) return '';
  // Indicators that start something else (flow, anchor, alias, tag, block scalar, quote, directive, reserved).
  if ('[]{}#&*!|>\'"%@`,'.includes(c)) return undefined;
  if ((c === '-' || c === '?' || c === ':') && (s.length === 1 || s[1] === ' ')) return undefined;
  let end = s.length;
  const hash = s.indexOf(' #');
  if (hash >= 0) end = hash;
  // Trailing blanks, without a regex (`/[ \t]+$/` backtracks quadratically on long runs of blanks).
  while (end > 0 && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  const t = s.slice(0, end);
  if (t.includes(': ') || t.endsWith(':') || t.includes('\t#')) return undefined;
  return t;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\', '\t': '\t',
};

/** A quoted scalar that ends on its line: [value, rest of the line after it]. */
function quoted(s: string): [string, string] {
  if (s[0] === "'") {
    let out = '';
    let i = 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) return fail();
      out += s.slice(i, q);
      if (s[q + 1] === "'") {
        out += "'";
        i = q + 2;
        continue;
      }
      return [out, s.slice(q + 1)];
    }
  }
  let out = '';
  let i = 1;
  for (;;) {
    const q = s.indexOf('"', i);
    const b = s.indexOf('\\', i);
    if (q < 0) return fail();
    if (b >= 0 && b < q) {
      out += s.slice(i, b);
      const e = s[b + 1];
      if (e === undefined) return fail();
      const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hexLen) {
        const hex = s.slice(b + 2, b + 2 + hexLen);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) return fail();
        out += String.fromCodePoint(parseInt(hex, 16));
        i = b + 2 + hexLen;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) return fail();
        out += r;
        i = b + 2;
      }
      continue;
    }
    out += s.slice(i, q);
    return [out, s.slice(q + 1)];
  }
}

/** What may follow a quoted scalar on its line: spaces and a comment. */
function onlyComment(rest: string): boolean {
  const t = rest.trimStart();
  return t === '' || (t[0] === '#' && rest.length > t.length);
}

/** A mapping key at the start of `text`: [key, rest after `:`], or undefined when the line is not `key:`. */
function keyOf(text: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text[0] === '"' || text[0] === "'") {
    let after: string;
    try {
      [key, after] = quoted(text);
    } catch {
      return undefined;
    }
    if (after[0] !== ':' || (after.length > 1 && after[1] !== ' ')) return undefined;
    rest = after.slice(1);
  } else {
    let colon = text.indexOf(': ');
    if (colon < 0 && text.endsWith(':')) colon = text.length - 1;
    if (colon <= 0) return undefined;
    key = text.slice(0, colon);
    rest = text.slice(colon + 1);
    const c = key[0]!;
    if ('[]{}#&*!|>\'"%@`,?-'.includes(c) && !(c === '-' && key.length > 1 && key[1] !== ' ')) return fail();
    if (key.includes(' #') || key !== key.trimEnd() || key.includes('\t')) return fail();
    // A plain key that the core schema reads as null, a boolean or a number: leave it to `yaml`.
    if (typeof resolvePlain(key) !== 'string') return fail();
  }
  if (key === '__proto__') return fail();
  return [key, rest];
}

class Reader {
  private i = 0;

  constructor(
    private readonly lines: readonly Line[],
    private readonly uniqueKeys = false,
  ) {}

  /** The next line that is neither blank nor a comment (not consumed). */
  private peek(): Line | undefined {
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.text === '' || l.text[0] === '#') this.i++;
      else return l;
    }
    return undefined;
  }

  /** The documents of the text. */
  documents(): unknown[] {
    const docs: unknown[] = [];
    for (;;) {
      const l = this.peek();
      if (!l) break;
      if (l.indent === 0 && (l.text === '---' || l.text.startsWith('--- #'))) {
        this.i++;
        const next = this.peek();
        if (!next || (next.indent === 0 && (next.text === '---' || next.text.startsWith('--- #')))) docs.push(null);
        continue;
      }
      if (l.indent === 0 && (l.text.startsWith('---') || l.text.startsWith('...'))) return fail();
      docs.push(this.node(l.indent));
      const after = this.peek();
      if (after && !(after.indent === 0 && after.text.startsWith('---'))) return fail();
    }
    return docs;
  }

  /** A block node whose first line is indented exactly `indent`. */
  private node(indent: number): unknown {
    const l = this.peek()!;
    if (l.indent !== indent) return fail();
    if (l.text === '-' || l.text.startsWith('- ')) return this.sequence(indent);
    const k = keyOf(l.text);
    if (k) return this.mapping(indent, undefined);
    return fail(); // a bare scalar document, or something else
  }

  /**
   * A block mapping at column `indent`. `first` is the text of a first entry that does not start
   * its own line (`- key: value` in a sequence).
   */
  private mapping(indent: number, first: string | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let text = first;
    for (;;) {
      if (text === undefined) {
        const l = this.peek();
        if (!l || l.indent < indent) break;
        if (l.indent === 0 && (l.text.startsWith('---') || l.text.startsWith('...'))) break; // the next document
        if (l.indent > indent) return fail();
        text = l.text;
        this.i++;
      }
      const k = keyOf(text);
      if (!k) return fail();
      const [key, rest] = k;
      if (this.uniqueKeys && Object.hasOwn(out, key)) return fail(); // the yaml package's error, with its line
      out[key] = this.value(indent, rest, true);
      text = undefined;
    }
    return out;
  }

  /** A block sequence at column `indent` (every item starts with `-` there). */
  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const l = this.peek();
      if (!l || l.indent < indent) break;
      if (l.indent > indent || !(l.text === '-' || l.text.startsWith('- '))) break;
      this.i++;
      if (l.text === '-') {
        out.push(this.nested(indent, false));
        continue;
      }
      let skip = 2;
      while (l.text.charCodeAt(skip) === 32) skip++;
      const body = l.text.slice(skip);
      const col = indent + skip;
      if (body === '' || body[0] === '#') {
        out.push(this.nested(indent, false));
        continue;
      }
      if (body === '-' || body.startsWith('- ')) return fail(); // `- - x`
      if (body[0] !== '"' && body[0] !== "'" && keyOf(body)) {
        out.push(this.mapping(col, body));
        continue;
      }
      if ((body[0] === '"' || body[0] === "'") && keyOf(body)) {
        out.push(this.mapping(col, body));
        continue;
      }
      out.push(this.value(indent, ` ${body}`, false));
    }
    return out;
  }

  /** The block below a `key:` or `-` with nothing after it: deeper lines, or null. */
  private nested(indent: number, inMapping: boolean): unknown {
    const l = this.peek();
    if (!l) return null;
    if (l.indent > indent) return this.node(l.indent);
    // kubectl writes a mapping's sequence at the key's own indentation.
    if (inMapping && l.indent === indent && (l.text === '-' || l.text.startsWith('- '))) return this.sequence(indent);
    return null;
  }

  /** The value after `key:` (rest starts after the colon) or after `- ` (rest is ` value`). */
  private value(indent: number, rest: string, inMapping: boolean): unknown {
    const v = rest.trimStart();
    if (v === '' || v[0] === '#') {
      if (v !== '' && rest.length === v.length) return fail(); // `key:#` is not a comment
      return this.nested(indent, inMapping);
    }
    if (rest[0] !== ' ') return fail();
    let result: unknown;
    if (v[0] === '|') result = this.blockScalar(indent, v);
    else if (v[0] === '"' || v[0] === "'") {
      const [s, after] = quoted(v);
      if (!onlyComment(after)) return fail();
      result = s;
    } else if (v === '{}' || v.startsWith('{} #')) result = {};
    else if (v === '[]' || v.startsWith('[] #')) result = [];
    else {
      const t = plainText(v);
      if (t === undefined) return fail();
      result = resolvePlain(t);
    }
    // A deeper line right after a one-line value would continue it (a multi-line scalar).
    const next = this.peek();
    if (next && next.indent > indent && v[0] !== '|') return fail();
    return result;
  }

  /** `|`, `|-` or `|+` (no indentation indicator): the literal lines below. */
  private blockScalar(indent: number, header: string): string {
    const m = /^\|([-+]?)(\s+#.*)?\s*$/.exec(header);
    if (!m) return fail();
    const chomp = m[1];
    const raw: string[] = [];
    // Content lines: every line up to the first non-blank one indented no deeper than the parent.
    let contentIndent = -1;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      const blank = l.text === '';
      if (!blank) {
        if (l.indent <= indent) break;
        if (contentIndent < 0) contentIndent = l.indent;
        if (l.indent < contentIndent) break;
      }
      raw.push(blank ? '' : ' '.repeat(l.indent - contentIndent) + l.text);
      if (blank && l.indent > 0) {
        // Spaces on an empty line: meaningful only against the content indentation.
        if (contentIndent < 0 || l.indent > contentIndent) return fail();
      }
      this.i++;
    }
    // Trailing blank lines belong to the scalar only for chomping; give back none (the next node starts later anyway).
    let end = raw.length;
    while (end > 0 && raw[end - 1] === '') end--;
    const body = raw.slice(0, end);
    if (body.length === 0) return fail();
    const trailing = raw.length - end;
    const text = body.join('\n');
    if (chomp === '-') return text;
    if (chomp === '+') return text + '\n'.repeat(1 + trailing);
    return `${text}\n`;
  }
}

/**
 * The documents of `text` as the `yaml` package's parseAllDocuments + toJS would give them, or
 * undefined when the text uses anything this reader does not handle. `uniqueKeys`: also undefined
 * when a mapping repeats a key (which the yaml package's default options make an error).
 */
export function parseSimpleYaml(text: string, opts: {uniqueKeys?: boolean} = {}): unknown[] | undefined {
  if (text.includes('\t') && /^[ ]*\t/m.test(text)) return undefined;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines: Line[] = [];
  let start = 0;
  while (start <= src.length) {
    let nl = src.indexOf('\n', start);
    if (nl < 0) nl = src.length;
    let end = nl;
    if (end > start && src.charCodeAt(end - 1) === 13) end--;
    let j = start;
    while (j < end && src.charCodeAt(j) === 32) j++;
    const t = src.slice(j, end);
    if (t.includes('\r')) return undefined;
    if (j === start && (t[0] === '%')) return undefined; // directives
    lines.push({indent: t === '' ? j - start : j - start, text: t.length && t.trim() === '' ? '' : t});
    start = nl + 1;
  }
  try {
    return new Reader(lines, opts.uniqueKeys).documents();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    return undefined;
  }
}
