import {buildContext, buildSnapshot, type ContextInput, type Snapshot} from '../model/snapshot.js';
import {loadBundle} from './bundle.js';
import {UserError} from './errors.js';

export interface SourceOptions {
  readonly bundle?: string;
  readonly kubeconfig?: string;
  readonly contexts: readonly string[];
  readonly requestTimeoutMs: number;
  readonly istioNamespace: string;
  readonly clientNamespaces?: readonly string[];
  readonly fromPods?: Snapshot['fromPods'];
  readonly onProgress?: (msg: string) => void;
  /** Read the Envoy admin of the `fromPods` (doctor --from) for the live checks. */
  readonly fetchEnvoy?: boolean;
}

export interface LoadedSnapshot {
  readonly snapshot: Snapshot;
  readonly unreachable: readonly {context: string; reason: string}[];
  cleanup(): Promise<void>;
}

/** Collect into one immutable Snapshot, from a bundle or from live clusters. */
export async function loadSnapshot(opts: SourceOptions): Promise<LoadedSnapshot> {
  const snapOpts = {clientNamespaces: opts.clientNamespaces ?? [], fromPods: opts.fromPods ?? []};
  if (opts.bundle) {
    const b = await loadBundle(opts.bundle, {istioNamespace: opts.istioNamespace === 'istio-system' ? undefined : opts.istioNamespace});
    let inputs = b.contexts;
    if (opts.contexts.length) {
      const known = inputs.map((c) => c.name);
      for (const c of opts.contexts) if (!known.includes(c)) throw new UserError(`context "${c}" is not in the bundle (it has: ${known.join(', ')})`);
      inputs = inputs.filter((c) => opts.contexts.includes(c.name));
    }
    const notes = [...b.notes];
    if (inputs.some((c) => c.envoy?.length)) {
      const {withProxyStates} = await import('./envoy-state.js');
      inputs = await withProxyStates(inputs, notes);
    }
    return {snapshot: buildSnapshot(inputs.map(buildContext), {...snapOpts, notes}), unreachable: [], cleanup: b.cleanup};
  }
  const {readLive} = await import('./kube.js');
  const live = await readLive({kubeconfig: opts.kubeconfig, contexts: opts.contexts, requestTimeoutMs: opts.requestTimeoutMs, istioNamespace: opts.istioNamespace, onProgress: opts.onProgress});
  if (live.contexts.length === 0) {
    const u = live.unreachable[0];
    throw new UserError(u ? `cannot read context ${u.context}: ${u.reason}` : 'no context could be read', 3);
  }
  const notes = [...live.notes, ...missingApiNotes(live.contexts)];
  let inputs = live.contexts;
  if (opts.fetchEnvoy && opts.fromPods?.length) inputs = await fetchProxyStates(opts, inputs, notes);
  return {snapshot: buildSnapshot(inputs.map(buildContext), {...snapOpts, notes}), unreachable: live.unreachable, cleanup: async () => {}};
}

/** A missing CRD is read as empty, with a note: say when Istio's own networking API is absent. */
function missingApiNotes(contexts: readonly ContextInput[]): string[] {
  return contexts
    .filter((c) => c.notInstalled?.includes('DestinationRule'))
    .map((c) => `context ${c.name}: the networking.istio.io API is not installed (no DestinationRules, ServiceEntries or WorkloadEntries were read)`);
}

/** doctor --from POD: read each pod's Envoy admin (port-forward, exec fallback) into its context. */
async function fetchProxyStates(opts: SourceOptions, inputs: ContextInput[], notes: string[]): Promise<ContextInput[]> {
  const {resolveContexts, transportFor} = await import('./kube.js');
  const {openAdmin, readAll} = await import('./envoy-admin.js');
  const {isServiceCluster} = await import('./envoy-state.js');
  const envoy = await import('../envoy/index.js');
  const {kc} = await resolveContexts(opts.kubeconfig, inputs.map((c) => c.name));
  const out = inputs.map((c) => ({...c, proxies: [...(c.proxies ?? [])]}));
  for (const f of opts.fromPods ?? []) {
    const ctx = out.find((c) => c.name === (f.context ?? out[0]!.name));
    if (!ctx) continue;
    try {
      const t = await transportFor(kc, ctx.name, opts.requestTimeoutMs);
      const a = await openAdmin({kind: 'pod', transport: t, namespace: f.namespace, pod: f.name}, 'clusters?format=json');
      const dump = envoy.parseClustersJson(await readAll(a.stream), {cluster: isServiceCluster});
      let node;
      let clusterConfigs;
      try {
        const c = await openAdmin({kind: 'pod', transport: t, namespace: f.namespace, pod: f.name}, 'config_dump');
        const cd = envoy.parseConfigDump(await readAll(c.stream), {cluster: isServiceCluster});
        node = cd.node;
        clusterConfigs = cd.clusters;
      } catch {
        /* config_dump is optional */
      }
      ctx.proxies.push({namespace: f.namespace, pod: f.name, clusters: dump.clusters, ...(node ? {node} : {}), ...(clusterConfigs ? {clusterConfigs} : {}), source: a.via});
    } catch (e) {
      notes.push(`Envoy admin of ${f.namespace}/${f.name} not read (live checks skipped for it): ${(e as Error).message}`);
    }
  }
  return out;
}
