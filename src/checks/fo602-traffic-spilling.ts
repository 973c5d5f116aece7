import {failoverCommand} from '../remedy/kubectl.js';
import {liveObject, liveViews, proxyLabel, splitText} from './lib/live.js';
import {defineCheck, finding} from './types.js';

export const fo602 = defineCheck(
  {
    code: 'FO602',
    name: 'traffic-spilling',
    severity: 'warning',
    title: 'Priority 0 receives less than 100% of the traffic: it spills to other localities',
    why: 'Envoy keeps all traffic on priority 0 only while at least about 72% of its hosts are healthy (overprovisioning factor 1.4); below that, the missing share goes to the next priority, usually another zone or region, with its latency and egress cost.',
    remediation: 'Restore the unhealthy or ejected hosts of priority 0, or add capacity there; when the spill is expected during a failure, nothing to change.',
    requires: [],
    live: true,
    references: ['envoy source/extensions/load_balancing_policies/common/load_balancer_impl.cc recalculatePerPriorityState'],
  },
  (snapshot) =>
    liveViews(snapshot).flatMap((v) => {
      const p0 = v.explanation.priorities.find((p) => p.priority === 0);
      if (!p0 || v.explanation.priorities.length < 2 || p0.loadPercent >= 100) return [];
      if (v.explanation.priorities.every((p) => p.healthy === 0)) return []; // FO605's case
      return [
        finding(fo602.meta, {
          context: v.ctx,
          object: liveObject(v),
          message: `From ${proxyLabel(v)}, priority 0 of ${v.explanation.service}:${v.explanation.port} gets ${p0.loadPercent}% (${p0.healthy}/${p0.hosts} healthy); the rest spills: ${splitText(v.explanation)}.`,
          remediation: {
            summary: 'See which priority-0 hosts are unhealthy or ejected, and restore them.',
            commands: [failoverCommand(v.ctx.name, v.target?.metadata.namespace ?? v.proxy.namespace, 'explain', v.explanation.service, '--port', String(v.explanation.port), '--from', `${v.proxy.namespace}/${v.proxy.pod}`)],
          },
          details: {proxy: proxyLabel(v), cluster: v.clusterName, split: v.explanation.priorities.map((p) => ({priority: p.priority, loadPercent: p.loadPercent}))},
        }),
      ];
    }),
);
