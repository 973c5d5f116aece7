import type {KindKey} from '../model/kinds.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, ObjectRef, Remediation, Severity} from '../model/types.js';
import {refOf} from '../model/types.js';

export interface CheckMeta {
  /** Stable code, never reused: FO + three digits. */
  readonly code: string;
  /** kebab-case name, e.g. outlier-detection-missing. */
  readonly name: string;
  /** The severity findings usually carry; a finding may carry another one (see `severityNote`). */
  readonly severity: Severity;
  /** When the severity depends on the case, in one line (docs). */
  readonly severityNote?: string;
  readonly title: string;
  /** Why it matters: the mechanism in Istio/Envoy, in two or three sentences. */
  readonly why: string;
  /** The fix in general terms; each finding carries the concrete command/patch. */
  readonly remediation: string;
  /** Kinds without which the check cannot judge a context (forbidden there → skipped). */
  readonly requires: readonly KindKey[];
  /** Where the behaviour comes from (source paths, docs), for the docs page. */
  readonly references?: readonly string[];
  /** Short YAML examples for the docs page. */
  readonly examples?: {readonly bad?: string; readonly good?: string};
  /** 'live' checks need Envoy admin state. */
  readonly live?: boolean;
}

export interface Check {
  readonly meta: CheckMeta;
  /** Pure and synchronous: never does I/O, never mutates the snapshot. */
  run(snapshot: Snapshot): Finding[];
}

export function docsPath(code: string): string {
  return `docs/checks/${code}.md`;
}

export interface FindingInput {
  readonly context: ContextSnapshot | string;
  readonly object: KubeObject | ObjectRef;
  readonly message: string;
  readonly severity?: Severity;
  readonly remediation?: Remediation;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Overrides meta.why when the mechanism differs for this case. */
  readonly why?: string;
}

function isKubeObject(o: KubeObject | ObjectRef): o is KubeObject {
  return (o as KubeObject).metadata !== undefined;
}

/** Build a finding of `meta`'s check: the one way checks report. */
export function finding(meta: CheckMeta, f: FindingInput): Finding {
  const out: Finding = {
    code: meta.code,
    check: meta.name,
    severity: f.severity ?? meta.severity,
    context: typeof f.context === 'string' ? f.context : f.context.name,
    object: isKubeObject(f.object) ? refOf(f.object) : f.object,
    message: f.message,
    why: f.why ?? meta.why,
    docs: docsPath(meta.code),
    ...(f.remediation ? {remediation: f.remediation} : {}),
    ...(f.details ? {details: f.details} : {}),
  };
  return out;
}

export function defineCheck(meta: CheckMeta, run: (snapshot: Snapshot) => Finding[]): Check {
  return Object.freeze({meta: Object.freeze(meta), run});
}
