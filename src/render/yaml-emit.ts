/**
 * YAML for the small documents the checks put in remediations (DestinationRules, patches,
 * localityLbSetting snippets), written directly when the data is simple, else by the `yaml`
 * package. The direct path writes exactly what `yaml`'s stringify writes (a test compares them on
 * generated documents); it covers maps, sequences, safe integers, booleans, null and strings
 * that `yaml` writes plain and never folds (letters, digits and `._/<>*-`, not starting with an
 * indicator, not number-, bool- or null-like, at most 64 characters). Anything else (a string
 * with a space or a quote, a float, a Date, a shared object…) goes to `yaml`.
 * Why: a doctor run on a mesh of 5,000 services writes thousands of snippets, and `yaml`'s
 * stringify costs ~0.3 ms each (most of FO101's time on a large mesh).
 */
import {stringify, type ToStringOptions, type DocumentOptions, type SchemaOptions, type CreateNodeOptions} from 'yaml';

type Options = DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions;

/** A string `yaml` writes as a plain scalar, on one line, in any context (key, value, item). */
const PLAIN = /^[A-Za-z0-9_/<][A-Za-z0-9._/<>*-]*$/;
/** Strings the core schema (or YAML 1.1 readers) would take for something else: `yaml` quotes them. */
const SPECIAL = /^(?:[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$/;

class NotSimple extends Error {}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
    throw new NotSimple();
  }
  if (typeof v === 'string' && v.length <= 64 && PLAIN.test(v) && !SPECIAL.test(v)) return v;
  throw new NotSimple();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Nesting deeper than any remediation: left to `yaml`. */
const MAX_DEPTH = 32;

/** Lines of a block collection at `indent` (a map's entries or a sequence's items). */
function block(v: unknown, indent: string, out: string[], seen: Set<object>): void {
  // `yaml` writes an object met twice as an anchor and an alias: left to it (so are cycles).
  if (seen.has(v as object) || indent.length > 2 * MAX_DEPTH) throw new NotSimple();
  seen.add(v as object);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item === undefined) throw new NotSimple();
      out.push(`${indent}- ${inline(item, `${indent}  `, seen)}`);
    }
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const val = o[k];
    if (val === undefined) continue;
    const key = scalar(k);
    if (isPlainObject(val) ? Object.keys(val).some((x) => val[x] !== undefined) : Array.isArray(val) && val.length > 0) {
      out.push(`${indent}${key}:`);
      // `yaml` indents a sequence under a key (indentSeq) and a map by two spaces.
      const sub: string[] = [];
      block(val, `${indent}  `, sub, seen);
      out.push(...sub);
    } else out.push(`${indent}${key}: ${leaf(val, seen)}`);
  }
}

/** An empty collection or a scalar. */
function leaf(v: unknown, seen: Set<object>): string {
  if (v !== null && typeof v === 'object') {
    if (seen.has(v)) throw new NotSimple();
    seen.add(v);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    throw new NotSimple();
  }
  if (isPlainObject(v)) return '{}';
  return scalar(v);
}

/** A sequence item: its first line joins the `- `; the rest are indented under it. */
function inline(item: unknown, indent: string, seen: Set<object>): string {
  const nonEmptyMap = isPlainObject(item) && Object.keys(item).some((k) => item[k] !== undefined);
  const nonEmptySeq = Array.isArray(item) && item.length > 0;
  if (!nonEmptyMap && !nonEmptySeq) return leaf(item, seen);
  const lines: string[] = [];
  block(item, indent, lines, seen);
  lines[0] = lines[0]!.slice(indent.length);
  return lines.join('\n');
}

/** `yaml`'s stringify(value, options), written directly when the value is simple data. */
export function toYaml(value: unknown, options?: Options): string {
  const direct = !options || Object.keys(options).every((k) => k === 'lineWidth') ? directYaml(value) : undefined;
  return direct ?? stringify(value, options);
}

/** What `yaml` would write for simple data (the direct path alone); undefined when it is not simple. */
export function directYaml(value: unknown): string | undefined {
  if (!isPlainObject(value) && !Array.isArray(value)) return undefined;
  try {
    const empty = Array.isArray(value) ? value.length === 0 : !Object.keys(value).some((k) => value[k] !== undefined);
    if (empty) return Array.isArray(value) ? '[]\n' : '{}\n';
    const lines: string[] = [];
    block(value, '', lines, new Set());
    return `${lines.join('\n')}\n`;
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}
