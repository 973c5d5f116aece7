import {LineCounter, parseAllDocuments} from 'yaml';
import {kindKeyOf, type KindKey} from '../model/kinds.js';
import {parseSimpleYaml} from './yaml-fast.js';
import type {KubeObject} from '../model/types.js';

export interface ManifestProblem {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface ParsedManifests {
  readonly objects: {key: KindKey; obj: KubeObject}[];
  readonly problems: ManifestProblem[];
  /** Objects of kinds the tool does not read (ignored, counted). */
  readonly ignored: number;
}

/**
 * Parse Kubernetes objects from YAML or JSON text: one object, many documents, or a `kind: List`
 * (so `kubectl get … -o yaml` output works as is). A malformed document is reported with its
 * file and line and skipped; the other documents are still read.
 */
export function parseManifests(text: string, file: string): ParsedManifests {
  return readManifests(text, file);
}

/** The manifests of a text that is strict JSON (parsed once, in process); undefined when it is not JSON. */
export function jsonManifests(text: string, file: string): ParsedManifests | undefined {
  const json = tryJson(text);
  return json ? readManifests(text, file, json) : undefined;
}

/** JSON.parse of a text that looks like JSON (starts with `{` or `[`); undefined when it is not strict JSON. */
function tryJson(text: string): {value: unknown} | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return {value: JSON.parse(text) as unknown};
  } catch {
    return undefined;
  }
}

function readManifests(text: string, file: string, parsed?: {value: unknown}): ParsedManifests {
  const objects: {key: KindKey; obj: KubeObject}[] = [];
  const problems: ManifestProblem[] = [];
  let ignored = 0;
  const add = (raw: unknown, line: number | undefined): void => {
    if (raw === null || raw === undefined) return;
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({file, line, message: 'not a Kubernetes object (expected a mapping with apiVersion and kind)'});
      return;
    }
    const o = raw as Record<string, unknown>;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      const listVersion = o.apiVersion;
      for (const item of o.items as unknown[]) {
        if (item && typeof item === 'object' && !('apiVersion' in item) && typeof listVersion === 'string') {
          // `kubectl get X -o yaml` lists keep apiVersion/kind on each item; typed lists may not.
          add({...(item as object), apiVersion: listVersion, kind: (o.kind as string).slice(0, -4)}, line);
        } else add(item, line);
      }
      return;
    }
    const meta = o.metadata as Record<string, unknown> | undefined;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !meta || typeof meta.name !== 'string') {
      // A common copy-paste slip (the TSB docs write `apiversion`): name the key that is misspelt.
      const near = Object.keys(o).find((k) => k !== 'apiVersion' && k.toLowerCase() === 'apiversion');
      problems.push({file, line, message: `not a Kubernetes object (missing apiVersion, kind or metadata.name)${near ? `: "${near}" should be "apiVersion"` : ''}`});
      return;
    }
    const key = kindKeyOf(o.apiVersion, o.kind);
    if (!key) {
      ignored++;
      return;
    }
    objects.push({key, obj: o as unknown as KubeObject});
  };

  const json = parsed ?? tryJson(text);
  if (json) {
    if (Array.isArray(json.value)) json.value.forEach((x) => add(x, undefined));
    else add(json.value, undefined);
    return {objects, problems, ignored};
  }
  // Not strict JSON: YAML, which also reads JSON-like flow syntax.
  // The YAML kubectl and `collect` write, read fast (src/sources/yaml-fast.ts); anything else, or a
  // document that is not a Kubernetes object (its problem needs a line number), goes to `yaml`.
  const fast = parseSimpleYaml(text);
  if (fast) {
    const before = {objects: objects.length, problems: problems.length, ignored};
    for (const v of fast) add(v, undefined);
    if (problems.length === before.problems) return {objects, problems, ignored};
    objects.length = before.objects;
    problems.length = before.problems;
    ignored = before.ignored;
  }
  // The YAML parser needs memory in proportion to flow nesting (≈0.5 KiB a level): refuse what
  // no Kubernetes object needs rather than exhaust memory on `[[[[…` (found by the fuzzer).
  const depth = flowNestingOver(text, MAX_FLOW_NESTING);
  if (depth) {
    problems.push({file, message: `not read: brackets nested more than ${MAX_FLOW_NESTING} levels deep (limit hit)`});
    return {objects, problems, ignored};
  }
  const lc = new LineCounter();
  let docs;
  // The parser makes an Error per problem: without stack traces, error-dense input costs 5x less.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    docs = parseAllDocuments(text, {lineCounter: lc, prettyErrors: false, uniqueKeys: false});
  } catch (e) {
    problems.push({file, message: (e as Error).message});
    return {objects, problems, ignored};
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const line = lc.linePos(doc.range?.[0] ?? 0).line;
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const errLine = err.pos ? lc.linePos(err.pos[0]).line : line;
      problems.push({file, line: errLine, message: err.message.split('\n')[0]!});
      continue;
    }
    try {
      add(doc.toJS({maxAliasCount: 100}), line);
    } catch (e) {
      problems.push({file, line, message: (e as Error).message.split('\n')[0]!});
    }
  }
  return {objects, problems, ignored};
}

/** Kubernetes objects nest a few dozen levels; YAML flow collections deeper than this are refused. */
export const MAX_FLOW_NESTING = 1000;

/** Characters after which a quote opens a quoted scalar (elsewhere it is part of a plain one: `it's`). */
const OPENS_SCALAR: ReadonlySet<number> = new Set([32, 9, 10, 13, 91, 123, 44, 58, 45, 63]);

/** true when `[`/`{` nest deeper than `max` (quoted strings and comments skipped): a cheap linear scan. */
function flowNestingOver(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (depth > 0) depth--;
    } else if ((c === 34 /* " */ || c === 39 /* ' */) && (i === 0 || OPENS_SCALAR.has(text.charCodeAt(i - 1)))) {
      // Skip a quoted scalar ('' escapes ' in single quotes; \ escapes in double quotes).
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (c === 34 && d === 92 /* \ */) i++;
        else if (d === c) break;
      }
    } else if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    }
  }
  return false;
}

export function formatProblem(p: ManifestProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}
