import type {Finding, Report} from '../model/types.js';
import {summarize} from './run.js';

/** A known, accepted finding (istioctl analyze --suppress style). */
export interface Suppression {
  readonly code: string;
  /** `namespace/name`, or `name` for cluster-scoped objects; `*` globs; absent = every object. */
  readonly object?: string;
  readonly context?: string;
  readonly reason?: string;
}

export interface SuppressedFinding extends Finding {
  readonly suppressedBy: Suppression;
}

function glob(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

/** `--ignore CODE[:ns/name]` (the code may be a glob such as FO1*). */
export function parseIgnore(arg: string): Suppression {
  const i = arg.indexOf(':');
  const code = (i < 0 ? arg : arg.slice(0, i)).trim().toUpperCase();
  if (!/^[A-Z0-9*]+$/.test(code)) throw new Error(`--ignore ${arg}: expected CODE or CODE:namespace/name`);
  return i < 0 ? {code} : {code, object: arg.slice(i + 1).trim()};
}

export function matches(s: Suppression, f: Finding): boolean {
  if (!glob(s.code.toUpperCase(), f.code)) return false;
  if (s.context && !glob(s.context, f.context)) return false;
  if (s.object) {
    const id = f.object.namespace ? `${f.object.namespace}/${f.object.name}` : f.object.name;
    if (!glob(s.object, id) && !glob(s.object, `${f.object.kind}/${id}`)) return false;
  }
  return true;
}

/** Move suppressed findings out of the report (they are listed, not hidden: `suppressed` in JSON). */
export function applySuppressions(report: Report, rules: readonly Suppression[]): Report & {suppressed: SuppressedFinding[]} {
  if (!rules.length) return {...report, suppressed: []};
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of report.findings) {
    const rule = rules.find((r) => matches(r, f));
    if (rule) suppressed.push({...f, suppressedBy: rule});
    else kept.push(f);
  }
  return {...report, findings: kept, summary: summarize(kept), suppressed};
}

/** The suppression file (`--config`): `ignore: [{code, object?, context?, reason?}]`. */
export function parseSuppressionFile(doc: unknown, file: string): Suppression[] {
  const list = (doc as {ignore?: unknown} | null)?.ignore;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: "ignore" must be a list`);
  return list.map((e, i) => {
    if (typeof e === 'string') return parseIgnore(e);
    const o = e as Record<string, unknown>;
    if (!o || typeof o.code !== 'string') throw new Error(`${file}: ignore[${i}] needs a "code"`);
    return {code: o.code.toUpperCase(), ...(typeof o.object === 'string' ? {object: o.object} : {}), ...(typeof o.context === 'string' ? {context: o.context} : {}), ...(typeof o.reason === 'string' ? {reason: o.reason} : {})};
  });
}
