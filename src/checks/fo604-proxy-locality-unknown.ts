import {isEmptyLocality} from '../istio/locality.js';
import {kubectl} from '../remedy/kubectl.js';
import {defineCheck, finding} from './types.js';

export const fo604 = defineCheck(
  {
    code: 'FO604',
    name: 'proxy-locality-unknown',
    severity: 'error',
    title: "The proxy's own locality is empty",
    why: 'Istio ranks endpoints relative to the client proxy\'s locality. A proxy whose bootstrap locality is empty (its node had no topology labels when it started) gets every endpoint at the same priority: no locality preference and no failover order, whatever the DestinationRule says.',
    remediation: 'Label the node with topology.kubernetes.io/region and zone (or the pod with topology.istio.io/locality), then restart the pod: the locality is read when the proxy connects.',
    requires: [],
    live: true,
    references: ['pilot/pkg/xds/ads.go setTopologyLabels', 'pkg/bootstrap/config.go (node.locality)'],
  },
  (snapshot) =>
    snapshot.contexts.flatMap((ctx) =>
      ctx.proxies
        .filter((p) => p.node && isEmptyLocality(p.node.locality))
        .map((p) => {
          const pod = ctx.index.get('Pod', p.namespace, p.pod);
          const nodeName = pod?.spec?.nodeName as string | undefined;
          return finding(fo604.meta, {
            context: ctx,
            object: pod ?? {apiVersion: 'v1', kind: 'Pod', namespace: p.namespace, name: p.pod},
            message: `The proxy ${p.namespace}/${p.pod}${nodeName ? ` on node ${nodeName}` : ''} has an empty locality in its bootstrap: every endpoint gets the same priority from its point of view.`,
            remediation: {
              summary: 'Label the node with its region and zone, then restart the pod.',
              commands: [
                ...(nodeName ? [kubectl(ctx.name, undefined, 'label', 'node', nodeName, 'topology.kubernetes.io/region=<REGION>', 'topology.kubernetes.io/zone=<ZONE>')] : []),
                kubectl(ctx.name, p.namespace, 'delete', 'pod', p.pod),
              ],
            },
            details: {proxy: `${p.namespace}/${p.pod}`, ...(nodeName ? {node: nodeName} : {})},
          });
        }),
    ),
);
