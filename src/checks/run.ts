import type {Snapshot} from '../model/snapshot.js';
import type {Finding, Report, Severity, Skipped} from '../model/types.js';
import {SEVERITY_RANK} from '../model/types.js';
import type {Check} from './types.js';
import {compareText} from '../model/collate.js';

export interface RunOptions {
  /** Only these codes (all when empty). */
  readonly only?: readonly string[];
  /** Live checks run only when Envoy state is present; the caller says so. */
  readonly includeLive?: boolean;
}

/**
 * Run every check on the snapshot. A check sees only the contexts in which every kind it
 * requires was read; for the others it is reported in `skipped`, so no finding ever rests on
 * data that was not read.
 */
export function runChecks(snapshot: Snapshot, checks: readonly Check[], opts: RunOptions = {}): Report {
  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  const notes = [...snapshot.notes];
  for (const check of checks) {
    if (opts.only?.length && !opts.only.includes(check.meta.code)) continue;
    if (check.meta.live && !opts.includeLive) continue;
    const usable = snapshot.contexts.filter((ctx) => {
      const missing = check.meta.requires.map((k) => ctx.unread.get(k)).filter((u) => u !== undefined);
      for (const u of missing) skipped.push({check: check.meta.code, context: ctx.name, reason: `${u.kind}: ${u.reason}`});
      return missing.length === 0;
    });
    if (usable.length === 0) continue;
    const view: Snapshot = usable.length === snapshot.contexts.length ? snapshot : {...snapshot, contexts: usable};
    try {
      findings.push(...check.run(view));
    } catch (e) {
      // A bug in one check must not hide the others' findings: report it and go on.
      notes.push(`check ${check.meta.code} failed: ${(e as Error).message}`);
    }
  }
  findings.sort(compareFindings);
  return {contexts: snapshot.contexts.map((c) => c.name), findings, skipped: dedupeSkipped(skipped), summary: summarize(findings), notes};
}

function dedupeSkipped(list: Skipped[]): Skipped[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = `${s.check}\u0000${s.context}\u0000${s.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    compareText(a.code, b.code) ||
    compareText(a.context, b.context) ||
    compareText(a.object.namespace ?? '', b.object.namespace ?? '') ||
    compareText(a.object.name, b.object.name) ||
    compareText(a.message, b.message)
  );
}

export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const s: Record<Severity, number> = {error: 0, warning: 0, info: 0};
  for (const f of findings) s[f.severity]++;
  return s;
}

export type FailOn = Severity | 'none';

/** Exit code of PRODUCT.md §2: 1 when a finding is at or above `failOn`, else 0. */
export function exitCodeFor(report: Pick<Report, 'findings'>, failOn: FailOn): 0 | 1 {
  if (failOn === 'none') return 0;
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]) ? 1 : 0;
}
