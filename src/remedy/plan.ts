import {stringify} from 'yaml';
import type {Finding, ObjectRef, PatchSpec} from '../model/types.js';
import {patchCommand} from './kubectl.js';

/** One patch to apply: the flagged object of a finding, in its context. */
export interface PlannedPatch {
  readonly context: string;
  readonly object: ObjectRef;
  readonly patch: PatchSpec;
  /** The findings this patch fixes. */
  readonly codes: readonly string[];
  readonly summary: string;
}

/**
 * The patches of a report's findings, merged per object (several findings on one object give one
 * merge patch), in a stable order. Only findings whose remediation is a patch of the flagged object
 * take part: `--apply` never touches anything else.
 */
export function planPatches(findings: readonly Finding[]): PlannedPatch[] {
  const byObject = new Map<string, {context: string; object: ObjectRef; patches: PatchSpec[]; codes: string[]; summaries: string[]}>();
  for (const f of findings) {
    const p = f.remediation?.patch;
    if (!p) continue;
    const key = `${f.context}\u0000${f.object.apiVersion}\u0000${f.object.kind}\u0000${f.object.namespace ?? ''}\u0000${f.object.name}`;
    const e = byObject.get(key) ?? {context: f.context, object: f.object, patches: [], codes: [], summaries: []};
    e.patches.push(p);
    if (!e.codes.includes(f.code)) e.codes.push(f.code);
    e.summaries.push(f.remediation!.summary);
    byObject.set(key, e);
  }
  const out: PlannedPatch[] = [];
  for (const e of byObject.values()) {
    const merges = e.patches.filter((p) => p.type === 'merge');
    const others = e.patches.filter((p) => p.type !== 'merge');
    if (merges.length) out.push({context: e.context, object: e.object, patch: {type: 'merge', body: merges.map((m) => m.body).reduce((a, b) => mergeBodies(a, b))}, codes: e.codes, summary: [...new Set(e.summaries)].join(' ')});
    for (const p of others) out.push({context: e.context, object: e.object, patch: p, codes: e.codes, summary: [...new Set(e.summaries)].join(' ')});
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Combine two merge patches (the later wins on conflicts). */
function mergeBodies(a: unknown, b: unknown): unknown {
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Record<string, unknown> = {...a};
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? mergeBodies(out[k], v) : v;
  return out;
}

/** RFC 7386 JSON merge patch, applied to a copy. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlain(patch)) return patch;
  const out: Record<string, unknown> = isPlain(target) ? {...target} : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (add/replace/remove/test), applied to a copy. */
export function applyJsonPatch(target: unknown, ops: readonly {op: string; path: string; value?: unknown}[]): unknown {
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const o of ops) {
    const parts = o.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let cur: unknown = doc;
    for (const p of parts) cur = (cur as Record<string, unknown>)[p];
    if (cur === undefined || cur === null) throw new Error(`JSON patch path ${o.path} does not exist`);
    const c = cur as Record<string, unknown> & unknown[];
    if (o.op === 'remove') Array.isArray(c) ? c.splice(Number(last), 1) : delete c[last];
    else if (o.op === 'add' && Array.isArray(c)) c.splice(last === '-' ? c.length : Number(last), 0, o.value);
    else if (o.op === 'add' || o.op === 'replace') c[last] = o.value;
    else if (o.op === 'test' && JSON.stringify(c[last]) !== JSON.stringify(o.value)) throw new Error(`JSON patch test failed at ${o.path}`);
  }
  return doc;
}

export function applyPatch(target: unknown, patch: PatchSpec): unknown {
  return patch.type === 'json' ? applyJsonPatch(target, patch.body as {op: string; path: string; value?: unknown}[]) : applyMergePatch(target, patch.body);
}

/** The whole remediation as one reviewable shell script. */
export function fixScript(plan: readonly PlannedPatch[], findings: readonly Finding[]): string {
  const out = ['#!/bin/sh', '# kubectl failover doctor --fix: review, then run. Each command patches one flagged object.', 'set -e', ''];
  for (const p of plan) {
    out.push(`# ${p.codes.join(', ')}: ${p.object.kind} ${p.object.namespace ? `${p.object.namespace}/` : ''}${p.object.name} [${p.context}]`, `# ${p.summary}`, patchCommand(p.context, p.object, p.patch), '');
  }
  const manual = findings.filter((f) => !f.remediation?.patch && f.remediation && (f.severity !== 'info'));
  if (manual.length) {
    out.push('# Not patches (review and run by hand):');
    for (const f of manual) {
      out.push(`# ${f.code} ${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} [${f.context}]: ${f.remediation!.summary}`);
      for (const c of f.remediation!.commands) out.push(`#   ${c}`);
    }
    out.push('');
  }
  if (plan.length === 0) out.push('# nothing to patch');
  return out.join('\n') + '\n';
}

/** The remediation as YAML patch documents (`--fix -o yaml`). */
export function fixYaml(plan: readonly PlannedPatch[]): string {
  if (plan.length === 0) return '# nothing to patch\n';
  return plan.map((p) => stringify({context: p.context, target: p.object, fixes: p.codes, type: p.patch.type, patch: p.patch.body}, {lineWidth: 0})).join('---\n');
}

/** A small line diff of two YAML renderings (for the --apply confirmation). */
export function yamlDiff(before: unknown, after: unknown): string {
  const a = stringify(before, {lineWidth: 0}).split('\n');
  const b = stringify(after, {lineWidth: 0}).split('\n');
  // LCS on lines: objects are small (one resource); quadratic is fine here.
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({length: n + 1}, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < n && (j >= m || dp[i + 1]![j]! >= dp[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out.join('\n');
}
