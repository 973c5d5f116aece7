import {failoverCommand, kubectl} from '../remedy/kubectl.js';
import {liveObject, liveViews, proxyLabel, splitText} from './lib/live.js';
import {defineCheck, finding} from './types.js';

export const fo601 = defineCheck(
  {
    code: 'FO601',
    name: 'endpoints-ejected',
    severity: 'warning',
    title: 'Envoy has ejected endpoints of a service (outlier detection)',
    why: 'Outlier detection took these hosts out of the load-balancing set after consecutive errors: their share moves to the other hosts of the priority, or to the next priority when too few stay healthy. They come back after baseEjectionTime (longer each time), so ejections that repeat mean a backend that keeps failing.',
    remediation: 'Look at the ejected pods (logs, readiness, resource pressure) and at the errors the proxy saw (rq_error); `kubectl failover explain` shows where their traffic went.',
    requires: [],
    live: true,
    references: ['envoy source/common/upstream/outlier_detection_impl.cc', 'istioctl proxy-config endpoints (OUTLIER CHECK = FAILED)'],
  },
  (snapshot) =>
    liveViews(snapshot).flatMap((v) => {
      const ejected = v.explanation.endpoints.filter((e) => e.outlier === 'ejected');
      if (!ejected.length) return [];
      const svcNs = v.target?.metadata.namespace;
      return [
        finding(fo601.meta, {
          context: v.ctx,
          object: liveObject(v),
          message: `${ejected.length} of ${v.explanation.endpoints.length} endpoints of ${v.explanation.service}:${v.explanation.port} are ejected in the proxy ${proxyLabel(v)} (${ejected.map((e) => `${e.address}${e.pod ? ` ${e.pod}` : ''}`).join(', ')}); traffic now: ${splitText(v.explanation)}.`,
          remediation: {
            summary: 'Find why the ejected endpoints fail, and see where their traffic went.',
            commands: [
              ...ejected.filter((e) => e.pod && e.context === v.ctx.name).slice(0, 3).map((e) => kubectl(v.ctx.name, e.pod!.split('/')[0], 'logs', e.pod!.split('/')[1]!, '--tail=50')),
              failoverCommand(v.ctx.name, svcNs ?? v.proxy.namespace, 'explain', v.explanation.service, '--port', String(v.explanation.port), '--from', `${v.proxy.namespace}/${v.proxy.pod}`),
            ],
          },
          details: {proxy: proxyLabel(v), cluster: v.clusterName, ejected: ejected.map((e) => e.address)},
        }),
      ];
    }),
);
