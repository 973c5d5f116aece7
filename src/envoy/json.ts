/** JSON helpers shared by the /clusters and /config_dump parsers. Pure. */
import {DumpError} from './types.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strip a UTF-8 byte order mark (Windows editors add one to pasted dumps). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** JSON.parse with a one-line DumpError naming the byte, line and column of the problem. */
export function parseJsonText(text: string, what: string): unknown {
  const body = stripBom(text);
  if (body.trim() === '') throw new DumpError(`${what}: empty input`);
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new DumpError(`${what}: ${describeJsonError(e, body)}`);
  }
}

/** V8's SyntaxError text, reworded: lower-case, no "in JSON", a byte offset instead of a UTF-16 position. */
export function describeJsonError(e: unknown, text: string): string {
  const raw = e instanceof Error ? e.message : String(e);
  if (/unexpected end of (json )?input/i.test(raw)) return `unexpected end of input at byte ${Buffer.byteLength(text)}`;
  const pos = /at position (\d+)/.exec(raw);
  let msg = raw
    .replace(/,? ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ at position \d+.*$/s, '')
    .replace(/\s+/g, ' ')
    .trim();
  msg = msg.charAt(0).toLowerCase() + msg.slice(1);
  if (!pos) return msg;
  const at = Math.min(Number(pos[1]), text.length);
  const before = text.slice(0, at);
  const line = countLines(before);
  const column = at - before.lastIndexOf('\n');
  if (at >= text.length || text.slice(at).trim() === '') return `unexpected end of input at byte ${Buffer.byteLength(text)}`;
  return `${msg} at byte ${Buffer.byteLength(before)} (line ${line}, column ${column})`;
}

function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const camelCache = new Map<string, string>();

/** snake_case → lowerCamelCase, as protojson names fields. */
export function camel(snake: string): string {
  let c = camelCache.get(snake);
  if (c === undefined) {
    c = snake.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
    camelCache.set(snake, c);
  }
  return c;
}

/** A field by its proto name, accepting the snake_case (Envoy) and camelCase (protojson, istioctl) spellings. */
export function field(o: Obj, snake: string): unknown {
  const v = o[snake];
  return v !== undefined ? v : o[camel(snake)];
}

export function objField(o: Obj, snake: string): Obj | undefined {
  const v = field(o, snake);
  return isObj(v) ? v : undefined;
}

export function arrField(o: Obj, snake: string): unknown[] | undefined {
  const v = field(o, snake);
  return Array.isArray(v) ? v : undefined;
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'g');

/**
 * A string from a dump, without control characters or bidirectional overrides (each becomes
 * U+FFFD). Envoy never writes them in names, addresses, hostnames or localities; a dump that has
 * them was edited, and they must not reach a terminal through any renderer.
 */
export function clean(s: string): string {
  return UNPRINTABLE.test(s) ? s.replace(UNPRINTABLE_ALL, '\uFFFD') : s;
}

export function strField(o: Obj, snake: string): string | undefined {
  const v = field(o, snake);
  return typeof v === 'string' ? clean(v) : undefined;
}

/** A number that protojson may write as a string (64-bit ints) or a number; undefined if neither. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function numField(o: Obj, snake: string): number | undefined {
  return num(field(o, snake));
}

/** A google.protobuf wrapper (`{value: n}`) or a bare number (UInt32Value is a bare number in protojson). */
export function wrapped(v: unknown): number | undefined {
  if (isObj(v)) return v.value === undefined ? 0 : num(v.value);
  return num(v);
}

export function boolField(o: Obj, snake: string): boolean {
  const v = field(o, snake);
  return v === true || v === 'true';
}
