import {failoverCommand} from '../remedy/kubectl.js';
import {liveObject, liveViews, proxyLabel} from './lib/live.js';
import {defineCheck, finding} from './types.js';

export const fo605 = defineCheck(
  {
    code: 'FO605',
    name: 'no-healthy-upstream',
    severity: 'error',
    title: 'No priority has a healthy host: requests fail with 503 "no healthy upstream"',
    why: 'Every endpoint Envoy has for the service is ejected or unhealthy (or there is none). With Istio\'s panic threshold 0 (outlier detection set, minHealthPercent 0), Envoy does not fall back to unhealthy hosts: every request fails.',
    remediation: 'Restore the backends (pods Ready, errors gone), or check that failover targets exist in another locality or cluster.',
    requires: [],
    live: true,
    references: ['envoy docs intro/arch_overview/upstream/load_balancing/panic_threshold'],
  },
  (snapshot) =>
    liveViews(snapshot).flatMap((v) => {
      const e = v.explanation;
      if (e.endpoints.length > 0 && e.priorities.some((p) => p.healthy > 0)) return [];
      return [
        finding(fo605.meta, {
          context: v.ctx,
          object: liveObject(v),
          message:
            e.endpoints.length === 0
              ? `${proxyLabel(v)} has no endpoint at all for ${e.service}:${e.port}.`
              : `${proxyLabel(v)} has no healthy endpoint for ${e.service}:${e.port}: ${e.endpoints.length} endpoint(s), all ejected or unhealthy.`,
          remediation: {
            summary: 'Find why every endpoint is down and restore at least one priority.',
            commands: [failoverCommand(v.ctx.name, v.target?.metadata.namespace ?? v.proxy.namespace, 'explain', e.service, '--port', String(e.port), '--from', `${v.proxy.namespace}/${v.proxy.pod}`)],
          },
          details: {proxy: proxyLabel(v), cluster: v.clusterName, endpoints: e.endpoints.length},
        }),
      ];
    }),
);
