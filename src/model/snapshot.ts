import type {KindKey} from './kinds.js';
import type {KubeObject} from './types.js';

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
  const byName = new Map<string, KubeObject>();
  for (const [kind, list] of Object.entries(objects) as [KindKey, readonly KubeObject[]][]) {
    const m = new Map<string, KubeObject[]>();
    byNs.set(kind, m);
    for (const o of list) {
      const ns = o.metadata.namespace ?? '';
      let arr = m.get(ns);
      if (!arr) m.set(ns, (arr = []));
      arr.push(o);
      byName.set(`${kind}\u0000${ns}\u0000${o.metadata.name}`, o);
    }
  }
  return {
    byNamespace: (kind, namespace) => byNs.get(kind)?.get(namespace) ?? EMPTY,
    get: (kind, namespace, name) => byName.get(`${kind}\u0000${namespace ?? ''}\u0000${name}`),
    node: (name) => (name ? byName.get(`Node\u0000\u0000${name}`) : undefined),
    namespace: (name) => byName.get(`Namespace\u0000\u0000${name}`),
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
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Build the immutable snapshot of one context. Objects are frozen in place (no copy). */
export function buildContext(input: ContextInput): ContextSnapshot {
  const objects = {} as Record<KindKey, readonly KubeObject[]>;
  for (const k of ALL_KIND_KEYS) {
    const list = input.objects[k] ?? [];
    // Stable order: namespace, then name. Findings come out in a deterministic order.
    const sorted = [...list].sort((a, b) =>
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
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
