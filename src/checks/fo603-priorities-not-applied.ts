import {kubectl} from '../remedy/kubectl.js';
import {command} from '../remedy/shell.js';
import {liveObject, liveViews, proxyLabel} from './lib/live.js';
import {defineCheck, finding} from './types.js';

export const fo603 = defineCheck(
  {
    code: 'FO603',
    name: 'priorities-not-applied',
    severity: 'error',
    title: "Envoy's priorities differ from what the configuration implies for this proxy",
    why: 'istiod computes each endpoint\'s priority for each proxy from the DestinationRule, the proxy\'s locality and labels. When the proxy holds other priorities (typically everything at 0 despite failover intent), it either has stale configuration, the effective policy at this port lacks outlier detection, or istiod sees another locality for the proxy than its node has.',
    remediation: 'Compare `istioctl proxy-status` for the proxy (SYNCED?), check the effective policy of the port (portLevelSettings replace the top-level policy), and restart the proxy after node label changes.',
    requires: ['DestinationRule', 'Pod', 'Node'],
    live: true,
    references: ['pilot/pkg/networking/core/loadbalancer/loadbalancer.go ApplyLocalityLoadBalancer', 'pilot/pkg/xds/endpoints/endpoint_builder.go'],
  },
  (snapshot) =>
    liveViews(snapshot).flatMap((v) => {
      if (!v.explanation.policy.configurationRead) return [];
      const wrong = v.explanation.endpoints.filter((e) => e.expectedPriority !== undefined && e.expectedPriority !== e.priority);
      if (!wrong.length) return [];
      const allZero = v.explanation.endpoints.every((e) => e.priority === 0);
      return [
        finding(fo603.meta, {
          context: v.ctx,
          object: liveObject(v),
          message: `${proxyLabel(v)} has ${wrong.length} of ${v.explanation.endpoints.length} endpoints of ${v.explanation.service}:${v.explanation.port} at other priorities than the configuration implies${allZero ? ' (all at priority 0: no locality failover in effect)' : ''}: ${wrong
            .slice(0, 4)
            .map((e) => `${e.address} Envoy ${e.priority} vs expected ${e.expectedPriority}`)
            .join('; ')}.`,
          remediation: {
            summary: 'Check the proxy is in sync with istiod and restart it if its node locality changed.',
            commands: [command(['istioctl', '--context', v.ctx.name, 'proxy-status', `${v.proxy.pod}.${v.proxy.namespace}`]), kubectl(v.ctx.name, v.proxy.namespace, 'delete', 'pod', v.proxy.pod)],
          },
          details: {proxy: proxyLabel(v), cluster: v.clusterName, mismatched: wrong.map((e) => ({address: e.address, envoy: e.priority, expected: e.expectedPriority}))},
        }),
      ];
    }),
);
