import type {KindKey} from './kinds.js';
import type {KubeObject} from './types.js';
import {compareText, rootCollation} from './collate.js';

/** Where one proxy's Envoy admin output can be read (a file of a bundle, or text fetched live). */
export interface EnvoyDumpRef {
  readonly namespace: string;
  readonly pod: string;
  readonly clusters?: {readonly format: 'json' | 'text'; readonly path?: string; readonly text?: string};
  readonly configDump?: {readonly path?: string; readonly text?: string};
}

/**
 * One proxy's Envoy state, parsed (live `doctor --from`, or a bundle's envoy/ dumps). Only the
 * clusters of services are kept. Types come from src/envoy (imported as types only: no I/O here).
 */
export interface ProxyState {
  readonly namespace: string;
  readonly pod: string;
  readonly clusters: readonly import('../envoy/types.js').EnvoyCluster[];
  readonly node?: import('../envoy/config-dump.js').ProxyNode;
  readonly clusterConfigs?: readonly import('../envoy/config-dump.js').ClusterConfig[];
  /** Where it was read from (file path, port-forward). */
  readonly source: string;
}

/** Why a kind could not be read in a context. */
export interface UnreadKind {
  readonly kind: KindKey;
  /** 'forbidden' (403), 'error' (could not be read: network, 5xx, malformed). */
  readonly cause: 'forbidden' | 'error';
  readonly reason: string;
}

/** Everything read from one cluster (context), frozen. */
export interface ContextSnapshot {
  readonly name: string;
  readonly istioNamespace: string;
  readonly objects: Readonly<Record<KindKey, readonly KubeObject[]>>;
  /** Kinds that could not be read: checks that need them are skipped for this context. */
  readonly unread: ReadonlyMap<KindKey, UnreadKind>;
  /** Kinds whose API (CRD) is not installed: read as empty. */
  readonly notInstalled: ReadonlySet<KindKey>;
  readonly envoy: readonly EnvoyDumpRef[];
  /** Parsed Envoy state of proxies in this context; the live checks (FO6xx) read it. */
  readonly proxies: readonly ProxyState[];
  readonly index: ContextIndex;
}

export interface Snapshot {
  readonly contexts: readonly ContextSnapshot[];
  /** Namespaces whose client pods count as clients of every service (`--client-namespace`). */
  readonly clientNamespaces: readonly string[];
  /** Pods named with `--from` (context/namespace/name), also clients. */
  readonly fromPods: readonly {readonly context?: string; readonly namespace: string; readonly name: string}[];
  readonly notes: readonly string[];
}

/** Lookups built once per context so that checks never scan lists in nested loops. */
export interface ContextIndex {
  byNamespace(kind: KindKey, namespace: string): readonly KubeObject[];
  get(kind: KindKey, namespace: string | undefined, name: string): KubeObject | undefined;
  node(name: string | undefined): KubeObject | undefined;
  namespace(name: string): KubeObject | undefined;
}

const EMPTY: readonly KubeObject[] = Object.freeze([]);

export function buildIndex(objects: Readonly<Record<KindKey, readonly KubeObject[]>>): ContextIndex {
  const byNs = new Map<string, Map<string, KubeObject[]>>();
  // kind → namespace → name → object: lookups without building a key string (checks call
  // node() and namespace() for every pod they look at).
  const byName = new Map<string, Map<string, Map<string, KubeObject>>>();
  for (const [kind, list] of Object.entries(objects) as [KindKey, readonly KubeObject[]][]) {
    const m = new Map<string, KubeObject[]>();
    byNs.set(kind, m);
    let names = byName.get(kind);
    if (!names) byName.set(kind, (names = new Map()));
    for (const o of list) {
      const ns = o.metadata.namespace ?? '';
      let arr = m.get(ns);
      if (!arr) m.set(ns, (arr = []));
      arr.push(o);
      let inNs = names.get(ns);
      if (!inNs) names.set(ns, (inNs = new Map()));
      inNs.set(o.metadata.name, o);
    }
  }
  const nodes = byName.get('Node')?.get('');
  const namespaces = byName.get('Namespace')?.get('');
  return {
    byNamespace: (kind, namespace) => byNs.get(kind)?.get(namespace) ?? EMPTY,
    get: (kind, namespace, name) => byName.get(kind)?.get(namespace ?? '')?.get(name),
    node: (name) => (name ? nodes?.get(name) : undefined),
    namespace: (name) => namespaces?.get(name),
  };
}

export const ALL_KIND_KEYS: readonly KindKey[] = [
  'Namespace', 'Node', 'Service', 'Pod', 'EndpointSlice', 'Deployment', 'ConfigMap', 'Secret',
  'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'IstioGateway', 'Gateway', 'ControlPlane',
  'WorkspaceSetting', 'Workspace',
];

export interface ContextInput {
  readonly name: string;
  readonly istioNamespace?: string;
  readonly objects: Partial<Record<KindKey, readonly KubeObject[]>>;
  readonly unread?: readonly UnreadKind[];
  readonly notInstalled?: readonly KindKey[];
  readonly envoy?: readonly EnvoyDumpRef[];
  readonly proxies?: readonly ProxyState[];
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) freezeTree(o as object);
  return o;
}

/** Freeze an unfrozen object and everything under it (plain data: arrays and objects). */
function freezeTree(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freezeTree(v);
    }
    return;
  }
  // for…in over a fast-mode object is markedly faster than Object.values (V8's enum cache).
  for (const k in o) {
    const v: unknown = (o as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freezeTree(v);
  }
}

/**
 * The deterministic order of a context's objects: namespace, then name, by localeCompare. Names
 * of Kubernetes objects are almost always lower-case DNS names ([a-z0-9.-]), for which the root
 * collation (the `en` and `und` default locales) is plain code-point order: those are compared
 * without ICU. Any other name, or another default locale, goes through compareText (localeCompare's
 * order, model/collate.ts).
 */
const PLAIN_NAME = /^[a-z0-9.-]*$/;

interface SortKey {
  readonly ns: string;
  readonly name: string;
  readonly plain: boolean;
  readonly o: KubeObject;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.plain && b.plain) {
    if (a.ns !== b.ns) return a.ns < b.ns ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  }
  return compareText(a.ns, b.ns) || compareText(a.name, b.name);
}

function sortByNamespaceAndName(list: readonly KubeObject[]): KubeObject[] {
  const keys: SortKey[] = list.map((o) => {
    const ns = o.metadata.namespace ?? '';
    const name = o.metadata.name;
    return {ns, name, plain: rootCollation() && typeof ns === 'string' && typeof name === 'string' && PLAIN_NAME.test(ns) && PLAIN_NAME.test(name), o};
  });
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) if (compareKeys(keys[i - 1]!, keys[i]!) > 0) sorted = false;
  if (!sorted) keys.sort(compareKeys);
  return keys.map((k) => k.o);
}

/** Build the immutable snapshot of one context. Objects are frozen in place (no copy). */
export function buildContext(input: ContextInput): ContextSnapshot {
  const objects = {} as Record<KindKey, readonly KubeObject[]>;
  for (const k of ALL_KIND_KEYS) {
    const list = input.objects[k] ?? [];
    // Stable order: namespace, then name. Findings come out in a deterministic order.
    const sorted = sortByNamespaceAndName(list);
    objects[k] = deepFreeze(sorted);
  }
  return Object.freeze({
    name: input.name,
    istioNamespace: input.istioNamespace ?? 'istio-system',
    objects: Object.freeze(objects),
    unread: new Map((input.unread ?? []).map((u) => [u.kind, u])),
    notInstalled: new Set(input.notInstalled ?? []),
    envoy: Object.freeze([...(input.envoy ?? [])]),
    proxies: Object.freeze([...(input.proxies ?? [])]),
    index: buildIndex(objects),
  });
}

export function buildSnapshot(contexts: readonly ContextSnapshot[], opts: Partial<Omit<Snapshot, 'contexts'>> = {}): Snapshot {
  return Object.freeze({
    contexts: Object.freeze([...contexts]),
    clientNamespaces: Object.freeze([...(opts.clientNamespaces ?? [])]),
    fromPods: Object.freeze([...(opts.fromPods ?? [])]),
    notes: Object.freeze([...(opts.notes ?? [])]),
  });
}
