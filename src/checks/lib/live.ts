/**
 * The live view shared by FO601–FO605: for every proxy whose Envoy state was read and every
 * service cluster it has, the explanation built by the same model `explain` uses. Computed once
 * per snapshot.
 */
import {parseIstioClusterName} from '../../envoy/index.js';
import {explain, type ConfigDumpCluster} from '../../explain/model.js';
import type {Explanation} from '../../explain/types.js';
import {LABEL} from '../../istio/constants.js';
import type {ServiceEntrySpec} from '../../istio/types.js';
import type {ContextSnapshot, ProxyState, Snapshot} from '../../model/snapshot.js';
import type {KubeObject, ObjectRef} from '../../model/types.js';

export interface LiveView {
  readonly ctx: ContextSnapshot;
  readonly proxy: ProxyState;
  readonly clusterName: string;
  /** The Service or ServiceEntry behind the cluster, when the snapshot has it. */
  readonly target?: KubeObject;
  readonly explanation: Explanation;
}

const cache = new WeakMap<Snapshot, LiveView[]>();

function findTarget(ctx: ContextSnapshot, host: string): KubeObject | undefined {
  const m = /^([^.]+)\.([^.]+)\.svc\./.exec(host);
  if (m) {
    const svc = ctx.index.get('Service', m[2]!, m[1]!);
    if (svc) return svc;
  }
  return ctx.objects.ServiceEntry.find((se) => ((se.spec as ServiceEntrySpec).hosts ?? []).includes(host));
}

export function liveViews(snapshot: Snapshot): LiveView[] {
  const hit = cache.get(snapshot);
  if (hit) return hit;
  const out: LiveView[] = [];
  for (const ctx of snapshot.contexts) {
    for (const proxy of ctx.proxies) {
      const pod = ctx.index.get('Pod', proxy.namespace, proxy.pod);
      const kind = pod?.metadata.labels?.[LABEL.gatewayName] ? 'waypoint' : 'sidecar';
      for (const cluster of proxy.clusters) {
        const name = parseIstioClusterName(cluster.name);
        if (!name || (name.direction !== 'outbound' && name.direction !== 'inbound-vip')) continue;
        const target = findTarget(ctx, name.host);
        if (!target) continue; // only services the snapshot knows: the rest is outside what doctor judges
        const cc = proxy.clusterConfigs?.find((c) => c.name === cluster.name);
        const configDumpCluster: ConfigDumpCluster | undefined = cc
          ? {
              ...(cc.outlierDetection ? {outlierDetection: cc.outlierDetection} : {}),
              ...(cc.commonLbConfig?.healthyPanicThreshold !== undefined ? {healthyPanicThreshold: cc.commonLbConfig.healthyPanicThreshold} : {}),
            }
          : undefined;
        const explanation = explain({
          service: name.host,
          port: name.port,
          ...(name.subset ? {subset: name.subset} : {}),
          proxy: {context: ctx.name, namespace: proxy.namespace, pod: proxy.pod, kind, via: proxy.source, ...(proxy.node ? {bootstrapLocality: proxy.node.locality} : {})},
          cluster,
          ...(configDumpCluster ? {configDumpCluster} : {}),
          snapshot,
        });
        out.push({ctx, proxy, clusterName: cluster.name, ...(target ? {target} : {}), explanation});
      }
    }
  }
  cache.set(snapshot, out);
  return out;
}

/** The object a live finding is about: the service, else the proxy pod. */
export function liveObject(v: LiveView): ObjectRef | KubeObject {
  return v.target ?? {apiVersion: 'v1', kind: 'Pod', namespace: v.proxy.namespace, name: v.proxy.pod};
}

export function proxyLabel(v: LiveView): string {
  return `${v.proxy.namespace}/${v.proxy.pod}`;
}

export function splitText(e: Explanation): string {
  return e.priorities.map((p) => `P${p.priority} ${p.loadPercent}% (${p.healthy}/${p.hosts} healthy: ${p.localities.join(', ')})`).join(', ');
}
