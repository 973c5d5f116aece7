import {LineCounter, parseAllDocuments} from 'yaml';
import {kindKeyOf, type KindKey} from '../model/kinds.js';
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

  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const v = JSON.parse(text) as unknown;
      if (Array.isArray(v)) v.forEach((x) => add(x, undefined));
      else add(v, undefined);
      return {objects, problems, ignored};
    } catch {
      // Not strict JSON: fall through to YAML, which also reads JSON-like flow syntax.
    }
  }
  const lc = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, {lineCounter: lc, prettyErrors: false, uniqueKeys: false});
  } catch (e) {
    problems.push({file, message: (e as Error).message});
    return {objects, problems, ignored};
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

export function formatProblem(p: ManifestProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}
