import type {ContextInput, EnvoyDumpRef, ProxyState} from '../model/snapshot.js';

/** Istio's service clusters (outbound|…, inbound-vip|…): the ones the live checks look at. */
export function isServiceCluster(name: string): boolean {
  return name.startsWith('outbound|') || name.startsWith('inbound-vip|');
}

/** Parse the Envoy dumps a bundle holds for a context into ProxyStates; a bad dump becomes a note. */
export async function loadProxyStates(refs: readonly EnvoyDumpRef[], notes: string[]): Promise<ProxyState[]> {
  const envoy = await import('../envoy/index.js');
  const out: ProxyState[] = [];
  for (const ref of refs) {
    if (!ref.clusters?.path && !ref.clusters?.text) continue;
    try {
      const src = ref.clusters.path ?? ref.clusters.text!;
      const dump = await envoy.loadClustersDump(src, {cluster: isServiceCluster, format: ref.clusters.format});
      let node;
      let clusterConfigs;
      const cdSrc = ref.configDump?.path ?? ref.configDump?.text;
      if (cdSrc) {
        try {
          const cd = await envoy.loadConfigDump(cdSrc, {cluster: isServiceCluster});
          node = cd.node;
          clusterConfigs = cd.clusters;
        } catch (e) {
          notes.push(`config_dump of ${ref.namespace}/${ref.pod}: ${(e as Error).message}`);
        }
      }
      out.push({namespace: ref.namespace, pod: ref.pod, clusters: dump.clusters, ...(node ? {node} : {}), ...(clusterConfigs ? {clusterConfigs} : {}), source: ref.clusters.path ?? 'text'});
    } catch (e) {
      notes.push(`Envoy dump of ${ref.namespace}/${ref.pod}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Attach parsed proxy state to context inputs that carry dump references. */
export async function withProxyStates(inputs: readonly ContextInput[], notes: string[]): Promise<ContextInput[]> {
  return Promise.all(inputs.map(async (c) => (c.envoy?.length ? {...c, proxies: await loadProxyStates(c.envoy, notes)} : c)));
}
