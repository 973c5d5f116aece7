/** Plain Kubernetes object as read from the API or a bundle. Only what the tool uses is typed. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly ownerReferences?: readonly {readonly kind: string; readonly name: string}[];
  readonly creationTimestamp?: string;
  readonly [k: string]: unknown;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  // Specs vary by kind; checks read them through the typed helpers in src/istio/.
  readonly spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly data?: Readonly<Record<string, string>>;
  readonly [k: string]: unknown;
}

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {error: 3, warning: 2, info: 1};

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface PatchSpec {
  readonly type: 'merge' | 'json' | 'strategic';
  readonly body: unknown;
}

export interface Remediation {
  /** One sentence: what to change. */
  readonly summary: string;
  /** Copy-pasteable commands, each argument shell-quoted. */
  readonly commands: readonly string[];
  /** The structured patch behind the first command, when the fix is a patch of the flagged object. */
  readonly patch?: PatchSpec;
  /** When the fix is not a patch: the exact snippet to put in place (YAML). */
  readonly snippet?: string;
}

export interface Finding {
  readonly code: string;
  readonly check: string;
  readonly severity: Severity;
  readonly context: string;
  readonly object: ObjectRef;
  readonly message: string;
  readonly why: string;
  readonly remediation?: Remediation;
  readonly docs: string;
  /** Structured facts behind the message (counts, names), for scripts and tests. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface Skipped {
  readonly check: string;
  readonly context: string;
  readonly reason: string;
}

export interface Report {
  readonly contexts: readonly string[];
  readonly findings: readonly Finding[];
  readonly skipped: readonly Skipped[];
  readonly summary: Readonly<Record<Severity, number>>;
  readonly notes: readonly string[];
  /** Findings matched by --ignore / --config, listed rather than hidden. */
  readonly suppressed?: readonly (Finding & {readonly suppressedBy: {readonly code: string; readonly object?: string; readonly context?: string; readonly reason?: string}})[];
}

export function refOf(obj: KubeObject): ObjectRef {
  return obj.metadata.namespace === undefined
    ? {apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name}
    : {apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name};
}
