/**
 * Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and /fields:
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, comma = AND.
 * Parse errors are returned (the server answers 400), never thrown.
 */

export type Requirement =
  | {readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[]}
  | {readonly key: string; readonly op: 'exists' | '!'}
  | {readonly key: string; readonly op: 'gt' | 'lt'; readonly value: number};

export type Selector = readonly Requirement[];

export type ParseResult<T> = {ok: true; value: T} | {ok: false; error: string};

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type Token = {t: 'id' | 'op' | '(' | ')' | ','; v: string};

function tokenize(s: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({t: c, v: c});
      i++;
    } else if (s.startsWith('==', i) || s.startsWith('!=', i)) {
      out.push({t: 'op', v: s.slice(i, i + 2)});
      i += 2;
    } else if (c === '=' || c === '>' || c === '<' || c === '!') {
      out.push({t: 'op', v: c});
      i++;
    } else {
      let j = i;
      while (j < s.length && !' \t(),=!<>'.includes(s[j]!)) j++;
      out.push({t: 'id', v: s.slice(i, j)});
      i = j;
    }
  }
  return out;
}

export function parseLabelSelector(input: string | undefined): ParseResult<Selector> {
  if (!input || !input.trim()) return {ok: true, value: []};
  const toks = tokenize(input);
  if (typeof toks === 'string') return {ok: false, error: toks};
  const reqs: Requirement[] = [];
  let i = 0;
  const fail = (msg: string): ParseResult<Selector> => ({ok: false, error: `unable to parse requirement: ${msg}`});
  const badKey = (k: string): ParseResult<Selector> =>
    fail(`<nil>: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  const badValue = (v: string): ParseResult<Selector> =>
    fail(`values[0][${v}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  while (i < toks.length) {
    let negate = false;
    if (toks[i]?.t === 'op' && toks[i]!.v === '!') {
      negate = true;
      i++;
    }
    const keyTok = toks[i];
    if (!keyTok || keyTok.t !== 'id') return fail(`found '${keyTok?.v ?? ''}', expected: !, identifier, or 'end of string'`);
    const key = keyTok.v;
    if (!KEY.test(key) || key.length > 316) return badKey(key);
    i++;
    const next = toks[i];
    if (negate) {
      if (next && next.t !== ',') return fail(`found '${next.v}', expected: ',' or 'end of string'`);
      reqs.push({key, op: '!'});
    } else if (!next || next.t === ',') {
      reqs.push({key, op: 'exists'});
    } else if (next.t === 'op' && ['=', '==', '!='].includes(next.v)) {
      i++;
      const v = toks[i];
      let value = '';
      if (v && v.t === 'id') {
        value = v.v;
        i++;
      } else if (v && v.t !== ',') return fail(`found '${v.v}', expected: identifier`);
      if (!VALUE.test(value) || value.length > 63) return badValue(value);
      reqs.push({key, op: next.v === '!=' ? 'notin' : 'in', values: [value]});
    } else if (next.t === 'op' && (next.v === '>' || next.v === '<')) {
      i++;
      const v = toks[i];
      if (!v || v.t !== 'id' || !/^-?\d+$/.test(v.v)) return fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      i++;
      reqs.push({key, op: next.v === '>' ? 'gt' : 'lt', value: Number(v.v)});
    } else if (next.t === 'id' && (next.v === 'in' || next.v === 'notin')) {
      i++;
      if (toks[i]?.t !== '(') return fail(`found '${toks[i]?.v ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        const v = toks[i];
        if (!v) return fail(`found '', expected: ')'`);
        if (v.t === ')') {
          i++;
          break;
        }
        if (v.t === ',') {
          // An empty value between commas is the empty string.
          if (toks[i - 1]?.t === ',' || toks[i - 1]?.t === '(') values.push('');
          i++;
          continue;
        }
        if (v.t !== 'id') return fail(`found '${v.v}', expected: ',', ')' or identifier`);
        if (!VALUE.test(v.v) || v.v.length > 63) return badValue(v.v);
        values.push(v.v);
        i++;
      }
      if (values.length === 0) return fail(`for 'in', 'notin' operators, values set can't be empty`);
      reqs.push({key, op: next.v as 'in' | 'notin', values});
    } else {
      return fail(`found '${next.v}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    if (i < toks.length) {
      if (toks[i]!.t !== ',') return fail(`found '${toks[i]!.v}', expected: ',' or 'end of string'`);
      i++;
      if (i >= toks.length) return fail(`found '', expected: identifier after ','`);
    }
  }
  return {ok: true, value: reqs};
}

export function matchesLabels(sel: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        return r.op === 'gt' ? Number(v) > r.value : Number(v) < r.value;
      }
    }
  });
}

export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/** `metadata.name=x,metadata.namespace!=y`; fields outside `supported` are rejected as the server does. */
export function parseFieldSelector(input: string | undefined, supported: readonly string[]): ParseResult<FieldRequirement[]> {
  if (!input || !input.trim()) return {ok: true, value: []};
  const out: FieldRequirement[] = [];
  // Values may contain escaped `\,` `\=` `\\` (fields.EscapeValue).
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === '\\' && i + 1 < input.length) {
      cur += c + input[i + 1];
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(p);
    if (!m) return {ok: false, error: `invalid selector: '${input}'; can't understand '${p}'`};
    const field = m[1]!.trim();
    if (!supported.includes(field)) return {ok: false, error: `field label not supported: ${field}`};
    const value = m[3]!.replace(/\\(.)/g, '$1');
    out.push({field, op: m[2] === '!=' ? '!=' : '=', value});
  }
  return {ok: true, value: out};
}

function fieldValue(obj: Record<string, unknown>, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: Record<string, unknown>): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
