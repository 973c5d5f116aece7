/**
 * Finding a few named clusters in a large /clusters dump file without parsing all of it.
 *
 * explain needs one cluster of a dump that may hold tens of thousands (hundreds of MB). Both readers
 * here stream the file in chunks, keep only what belongs to the wanted names, and hand it to the
 * ordinary parsers, so the cluster built is exactly the one the whole-dump parsers would build:
 * - text: the lines that start with `NAME::` (every line of a cluster starts with its name);
 * - JSON: a structural scan (strings, nesting) of `cluster_statuses` (or an istioctl bare array)
 *   that keeps the elements whose bytes hold the quoted name, then JSON.parse of those only.
 * They answer undefined when they find nothing (or cannot be sure): the caller then reads the
 * whole dump the ordinary way, which also gives the "did you mean" names and the exact error.
 */
// fs.promises, not node:fs/promises: that module costs ~2 ms to load, and doctor imports this one unused.
import {promises as fsp} from 'node:fs';
import {clustersFromJson} from './clusters-json.js';
import {MAX_TEXT_LINE_CHARS, parseClustersText} from './clusters-text.js';
import type {ClustersDump} from './types.js';

const CHUNK = 1 << 20;
const NL = 0x0a;

/** The names the fast readers can look for: what a cluster name never holds rules the others out. */
export function scannableNames(names: readonly string[]): boolean {
  return names.length > 0 && names.every((n) => n.length > 0 && !n.includes('::') && !/[\s"\\]/.test(n) && !/[\u0000-\u001f]/.test(n));
}

// ---------------------------------------------------------------------------------------------
// Text.

/** The longest substring every name holds (the service's host, for Istio's cluster names). */
export function commonSubstring(names: readonly string[]): string {
  const [first, ...rest] = [...names].sort((x, y) => x.length - y.length);
  if (!first) return '';
  for (let len = first.length; len > 0; len--) {
    for (let at = 0; at + len <= first.length; at++) {
      const sub = first.slice(at, at + len);
      if (rest.every((n) => n.includes(sub))) return sub;
    }
  }
  return '';
}

/**
 * The lines of `names` in a text dump, in file order, read in 1 MiB chunks into one buffer: memory
 * stays at a chunk plus the kept lines, whatever the size of the dump. Lines are found with
 * indexOf on what the names have in common, then checked to start with `NAME::`.
 */
export async function scanTextDump(file: string, names: readonly string[], chunkSize = CHUNK): Promise<ClustersDump | undefined> {
  if (!scannableNames(names)) return undefined;
  const needles = names.map((n) => Buffer.from(`${n}::`, 'utf8'));
  const common = commonSubstring(names);
  // Search keys: the common part when it is long enough to be rare, else each name.
  const keys = common.length >= 8 ? [Buffer.from(common, 'utf8')] : needles;
  const kept: {pos: number; line: string}[] = [];
  const startsLine = (line: Buffer, at: number): boolean => needles.some((nd) => line.length - at >= nd.length && line.compare(nd, 0, nd.length, at, at + nd.length) === 0);
  const keepLine = (data: Buffer, start: number, end: number, pos: number): void => {
    if (end - start <= MAX_TEXT_LINE_CHARS && startsLine(data, start)) kept.push({pos, line: data.toString('utf8', start, end)});
  };

  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    let carry: Buffer = Buffer.alloc(0); // the start of a line the previous chunk ended in
    let skipping = false; // inside an over-long line: dropped up to its newline, as the stream parser does
    let offset = 0; // file offset of buf[0]
    let first = true;
    for (;;) {
      const {bytesRead} = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      let chunk = buf.subarray(0, bytesRead);
      let base = offset;
      offset += bytesRead;
      if (first) {
        first = false;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
          chunk = chunk.subarray(3);
          base += 3;
        }
      }
      let start = 0;
      if (carry.length || skipping) {
        const nl = chunk.indexOf(NL);
        if (nl < 0) {
          if (!skipping) carry = Buffer.concat([carry, chunk]);
          if (carry.length > MAX_TEXT_LINE_CHARS) {
            skipping = true;
            carry = Buffer.alloc(0);
          }
          continue;
        }
        if (!skipping) {
          const line = Buffer.concat([carry, chunk.subarray(0, nl)]);
          keepLine(line, 0, line.length, base - carry.length);
        }
        skipping = false;
        carry = Buffer.alloc(0);
        start = nl + 1;
      }
      const last = chunk.lastIndexOf(NL);
      if (last >= start) {
        for (const key of keys) {
          let at = chunk.indexOf(key, start);
          while (at >= 0 && at < last) {
            const ls = Math.max(start, at > 0 ? chunk.lastIndexOf(NL, at - 1) + 1 : 0);
            const le = chunk.indexOf(NL, at);
            keepLine(chunk, ls, le, base + ls);
            at = chunk.indexOf(key, le + 1);
          }
        }
      }
      // A copy of the unfinished last line: never retain the read buffer.
      const restFrom = last >= start ? last + 1 : start;
      carry = Buffer.from(chunk.subarray(restFrom));
      if (carry.length > MAX_TEXT_LINE_CHARS) {
        skipping = true;
        carry = Buffer.alloc(0);
      }
    }
    if (!skipping && carry.length) keepLine(carry, 0, carry.length, offset - carry.length);
  } finally {
    await fh.close();
  }
  if (kept.length === 0) return undefined;
  if (keys.length > 1) {
    // Each name searched on its own: file order, each line once.
    kept.sort((x, y) => x.pos - y.pos);
    for (let i = kept.length - 1; i > 0; i--) if (kept[i]!.pos === kept[i - 1]!.pos) kept.splice(i, 1);
  }
  const wanted = new Set(names);
  let dump: ClustersDump;
  try {
    dump = parseClustersText(kept.map((k) => k.line).join('\n'), {cluster: (n) => wanted.has(n)});
  } catch {
    return undefined;
  }
  return dump.clusters.length ? dump : undefined;
}

// ---------------------------------------------------------------------------------------------
// JSON.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Walk JSON bytes [from, to) that start outside a string: `onToken` gets every structural byte
 * (`{}[]:,`) and every string (its quotes' positions); other bytes (numbers, literals, space) are
 * passed over. false when a string runs past `to`.
 */
function walk(buf: Buffer, from: number, to: number, onToken: (kind: number, start: number, end: number) => boolean | void): boolean {
  budget.left -= to - from;
  if (budget.left < 0) throw new OverBudget();
  let i = from;
  while (i < to) {
    const c = buf[i]!;
    if (c === QUOTE) {
      let j = i + 1;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q < 0 || q >= to) return false;
        let b = 0;
        for (let k = q - 1; k > i && buf[k] === BACKSLASH; k--) b++;
        if (b % 2 === 0) {
          if (onToken(QUOTE, i, q) === true) return true;
          i = q + 1;
          break;
        }
        j = q + 1;
      }
      continue;
    }
    if (c === OPEN_OBJ || c === CLOSE_OBJ || c === OPEN_ARR || c === CLOSE_ARR || c === COLON || c === COMMA) {
      if (onToken(c, i, i) === true) return true;
    }
    i++;
  }
  return true;
}

/**
 * Bytes the checks around hits may walk in all: a few times the file. A hostile file (one huge
 * line, the name everywhere) would otherwise cost file size × hits; past the budget the caller
 * reads the dump the ordinary way.
 */
const budget = {left: 0};
class OverBudget extends Error {}

/** Start of the line holding `pos` (JSON strings never hold a raw newline: a line starts outside strings). */
function lineStart(buf: Buffer, pos: number): number {
  return pos > 0 ? buf.lastIndexOf(NL, pos - 1) + 1 : 0;
}

/**
 * The object a `"name": <hit>` member belongs to, when it is an element of an array: [start, end]
 * of its braces. `hit` is the position of a quoted needle found by indexOf.
 */
function elementAt(buf: Buffer, hit: number): {start: number; end: number} | undefined {
  // 1. The hit must be a string token that is the value of a "name" key.
  let ls = lineStart(buf, hit);
  let prev1 = 0; // kind of the last token before the hit
  let prev2Name = false; // the token before that was the string "name"
  let lastWasName = false;
  const opens: number[] = [];
  let closes = 0;
  const track = (kind: number, start: number): void => {
    if (kind === OPEN_OBJ || kind === OPEN_ARR) opens.push(start);
    else if (kind === CLOSE_OBJ || kind === CLOSE_ARR) {
      if (opens.length) opens.pop();
      else closes++;
    }
  };
  const inLine = walk(buf, ls, hit, (kind, start, end) => {
    prev2Name = lastWasName && kind === COLON;
    lastWasName = kind === QUOTE && end - start === 5 && buf.toString('latin1', start + 1, end) === 'name';
    prev1 = kind;
    track(kind, start);
  });
  if (!inLine || prev1 !== COLON || !prev2Name) return undefined;
  // 2. The innermost unmatched opener before the hit, line by line backwards.
  let need = 0;
  let openerAt = -1;
  for (;;) {
    if (opens.length > need) {
      openerAt = opens[opens.length - 1 - need]!;
      break;
    }
    need = need - opens.length + closes;
    if (ls === 0) return undefined;
    const end = ls - 1;
    ls = lineStart(buf, end);
    opens.length = 0;
    closes = 0;
    if (!walk(buf, ls, end, (kind, start) => track(kind, start))) return undefined;
  }
  if (buf[openerAt] !== OPEN_OBJ) return undefined;
  // 3. An element of an array: `[` or `,` before it.
  let b = openerAt - 1;
  while (b >= 0 && isSpace(buf[b])) b--;
  if (buf[b] !== OPEN_ARR && buf[b] !== COMMA) return undefined;
  // 4. Its closing brace, and `,` or `]` after it.
  let depth = 0;
  let closeAt = -1;
  walk(buf, openerAt, buf.length, (kind, start) => {
    if (kind === OPEN_OBJ || kind === OPEN_ARR) depth++;
    else if (kind === CLOSE_OBJ || kind === CLOSE_ARR) {
      if (--depth === 0) {
        closeAt = start;
        return true;
      }
    }
    return false;
  });
  if (closeAt < 0) return undefined;
  let a = closeAt + 1;
  while (a < buf.length && isSpace(buf[a])) a++;
  if (buf[a] !== COMMA && buf[a] !== CLOSE_ARR) return undefined;
  return {start: openerAt, end: closeAt};
}

/** Fields only a ClusterStatus has (Envoy always prints some of them): not any object with a `name`. */
const CLUSTER_STATUS_FIELDS = ['host_statuses', 'hostStatuses', 'added_via_api', 'addedViaApi', 'circuit_breakers', 'circuitBreakers', 'observability_name', 'observabilityName', 'eds_service_name', 'edsServiceName'];

function looksLikeClusterStatus(o: Record<string, unknown>): boolean {
  return CLUSTER_STATUS_FIELDS.some((f) => o[f] !== undefined);
}

/**
 * The first cluster (in `names` order, then dump order) of a /clusters JSON dump, found with
 * indexOf on the quoted name and checked locally: the value of a `"name"` member of an object that
 * is an array element and has a ClusterStatus's fields. Only that object is parsed. The whole file is read as bytes (no string of
 * it is made, so no JSON.parse size limit applies).
 */
export async function scanJsonDump(file: string, names: readonly string[]): Promise<ClustersDump | undefined> {
  if (!scannableNames(names)) return undefined;
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch {
    return undefined;
  }
  let root = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) root = 3;
  while (root < buf.length && isSpace(buf[root])) root++;
  if (buf[root] !== OPEN_OBJ && buf[root] !== OPEN_ARR) return undefined;
  const wanted = new Set(names);
  budget.left = 4 * buf.length + (1 << 20);
  for (const name of names) {
    const needle = Buffer.from(JSON.stringify(name), 'utf8');
    for (let hit = buf.indexOf(needle, root); hit >= 0; hit = buf.indexOf(needle, hit + 1)) {
      let el;
      try {
        el = elementAt(buf, hit);
      } catch (e) {
        if (e instanceof OverBudget) return undefined;
        throw e;
      }
      if (!el) continue;
      let v: unknown;
      try {
        v = JSON.parse(buf.toString('utf8', el.start, el.end + 1));
      } catch {
        continue;
      }
      if (!v || typeof v !== 'object' || Array.isArray(v) || (v as {name?: unknown}).name !== name || !looksLikeClusterStatus(v as Record<string, unknown>)) continue;
      try {
        const dump = clustersFromJson([v], {cluster: (n) => wanted.has(n)});
        return dump.clusters.length ? dump : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
