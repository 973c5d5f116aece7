import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo109} from '../../src/checks/fo109-failover-priority-label-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const R = 'topology.kubernetes.io/region';
const Z = 'topology.kubernetes.io/zone';
const G = 'failover-group';
const node = (name: string, region: string, zone: string): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels: {[R]: region, [Z]: zone}}});
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, labels: Record<string, string> = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, labels},
  spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}]},
});
let ip = 0;
const pod = (name: string, ns: string, labels: Record<string, string>, nodeName: string, opts: {owner?: string; sidecar?: boolean} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, labels, ...(opts.owner ? {ownerReferences: [{kind: 'ReplicaSet', name: `${opts.owner}-5d8f7c9b4`}]} : {})},
  spec: {nodeName, containers: [{name: 'app'}, ...(opts.sidecar === false ? [] : [{name: 'istio-proxy'}])]},
  status: {phase: 'Running', podIP: `10.1.0.${++ip}`},
});
const deployment = (name: string, ns: string): O => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, namespace: ns}, spec: {template: {metadata: {labels: {app: name}}}}});
const dr = (name: string, ns: string, host: string, spec: O = {}): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec: {host, ...spec}});
const OD = {consecutive5xxErrors: 5, maxEjectionPercent: 100};
const fp = (failoverPriority: string[], extra: O = {}): O => ({trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true, failoverPriority, ...extra}}, outlierDetection: OD}});
const FQDN = 'helloworld.sample.svc.cluster.local';
const nodes = [node('n1', 'us-east', 'us-east-1a'), node('n2', 'us-west', 'us-west-1a')];
/** helloworld pods (labelled `group` unless undefined) and a sleep client (labelled `clientGroup` unless undefined). */
const world = (group: (string | undefined)[], clientGroup: string | undefined, nsLabels: Record<string, string> = {'istio-injection': 'enabled'}): O[] => [
  namespace('sample', nsLabels),
  namespace('istio-system'),
  ...nodes,
  service('helloworld', 'sample'),
  deployment('helloworld', 'sample'),
  deployment('sleep', 'sample'),
  ...group.map((g, i) => pod(`helloworld-${i}`, 'sample', {app: 'helloworld', ...(g ? {[G]: g} : {})}, i % 2 ? 'n2' : 'n1', {owner: 'helloworld'})),
  pod('sleep-1', 'sample', {app: 'sleep', ...(clientGroup ? {[G]: clientGroup} : {})}, 'n1', {owner: 'sleep'}),
];
const se = (resolution: string): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: {name: 'api', namespace: 'sample'},
  spec: {
    hosts: ['api.example.com'],
    resolution,
    ports: [{number: 80, name: 'http', protocol: 'HTTP'}],
    endpoints: [
      {address: resolution === 'STATIC' ? '192.0.2.1' : 'east.api.example.com', locality: 'us-east/us-east-1a', labels: {[G]: 'a'}},
      {address: resolution === 'STATIC' ? '192.0.2.2' : 'west.api.example.com', locality: 'us-west/us-west-1a', labels: {[G]: 'b'}},
    ],
  },
});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'client pods lack the label → warning',
    contexts: {c1: y(...world(['a', 'b'], undefined), dr('helloworld', 'sample', FQDN, fp([G, R])))},
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'some endpoints lack the label → warning',
    contexts: {c1: y(...world(['a', undefined], 'a'), dr('helloworld', 'sample', FQDN, fp([G, R])))},
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'done right: endpoints and clients carry the label',
    contexts: {c1: y(...world(['a', 'b'], 'a'), dr('helloworld', 'sample', FQDN, fp([G, R])))},
    expect: [],
  },
  {
    name: 'only labels Istio derives: nothing to check',
    contexts: {c1: y(...world([undefined, undefined], undefined), dr('helloworld', 'sample', FQDN, fp(['topology.istio.io/network', R, Z, 'topology.istio.io/cluster'])))},
    expect: [],
  },
  {
    name: 'a key=value override fixes the client side: unlabelled clients are fine',
    contexts: {c1: y(...world(['a', 'b'], undefined), dr('helloworld', 'sample', FQDN, fp([`${G}=a`, R])))},
    expect: [],
  },
  {
    name: 'with an override, endpoints without the label still fire',
    contexts: {c1: y(...world(['a', undefined], undefined), dr('helloworld', 'sample', FQDN, fp([`${G}=a`, R])))},
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'malformed override (two "=") → warning even when the labels are fine',
    contexts: {c1: y(...world(['a', 'b'], 'a'), dr('helloworld', 'sample', FQDN, fp([`${G}==a`, R])))},
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'no outlierDetection: failoverPriority is not applied at all (FO101), no label finding',
    contexts: {c1: y(...world(['a', 'b'], undefined), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: {localityLbSetting: {failoverPriority: [G]}}}}))},
    expect: [],
  },
  {
    name: 'distribute next to failoverPriority: failoverPriority ignored (FO107), no label finding',
    contexts: {
      c1: y(...world(['a', 'b'], undefined), dr('helloworld', 'sample', FQDN, fp([G], {distribute: [{from: 'us-east/*', to: {'us-east/*': 50, 'us-west/*': 50}}]}))),
    },
    expect: [],
  },
  {
    name: 'DNS ServiceEntry: Istio ignores failoverPriority → warning',
    contexts: {c1: y(...world([], 'a'), se('DNS'), dr('api', 'sample', 'api.example.com', fp([G, R])))},
    expect: ['FO109 DestinationRule sample/api @c1'],
  },
  {
    name: 'STATIC ServiceEntry with labelled endpoints and clients: fine',
    contexts: {c1: y(...world([], 'a'), se('STATIC'), dr('api', 'sample', 'api.example.com', fp([G, R])))},
    expect: [],
  },
  {
    name: 'ambient with waypoint: the waypoint pods lack the label → warning',
    contexts: {
      c1: y(
        ...world(['a', 'b'], 'a', {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'}),
        pod('waypoint-7c9', 'sample', {'gateway.networking.k8s.io/gateway-name': 'waypoint'}, 'n1'),
        dr('helloworld', 'sample', FQDN, fp([G, R])),
      ),
    },
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'ambient with waypoint: labelled waypoint pods (client pods do not matter)',
    contexts: {
      c1: y(
        ...world(['a', 'b'], undefined, {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'}),
        pod('waypoint-7c9', 'sample', {'gateway.networking.k8s.io/gateway-name': 'waypoint', [G]: 'a'}, 'n1'),
        dr('helloworld', 'sample', FQDN, fp([G, R])),
      ),
    },
    expect: [],
  },
  {
    name: 'a label no one carries → warning (it orders nothing)',
    contexts: {c1: y(...world([undefined, undefined], undefined), dr('helloworld', 'sample', FQDN, fp(['topology.kubernetes.io/regoin', Z])))},
    expect: ['FO109 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'malformed input (failoverPriority a string) gives no finding and no crash',
    contexts: {c1: y(...world(['a', 'b'], undefined), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: {localityLbSetting: {failoverPriority: G}}, outlierDetection: OD}}))},
    expect: [],
  },
];

describe('FO109 failover-priority-label-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo109.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('missing client label: counts, and labels the client Deployment with the value others carry', () => {
    const [f] = fo109.run(snapshotFromYaml({c1: y(...world(['a', 'a', 'b'], undefined), dr('helloworld', 'sample', FQDN, fp([G, R])))}));
    expect(f!.message).toContain('1 of 1 client pods (sample/sleep-1)');
    expect(f!.message).toContain('the labels after it are never compared');
    expect(f!.remediation!.patch).toBeUndefined(); // labels go on other objects than the rule
    expect(f!.remediation!.commands).toContain(
      `kubectl --context c1 -n sample patch deployment sleep --type merge -p '{"spec":{"template":{"metadata":{"labels":{"failover-group":"a"}}}}}'`,
    );
  });

  it('a typo of a derived label: patch corrects it in failoverPriority', () => {
    const [f] = fo109.run(snapshotFromYaml({c1: y(...world([undefined, undefined], undefined), dr('helloworld', 'sample', FQDN, fp(['topology.kubernetes.io/regoin', Z])))}));
    expect(f!.message).toContain('orders nothing');
    const body = f!.remediation!.patch!.body as {spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failoverPriority: string[]}}}}};
    expect(body.spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority).toEqual([R, Z]);
  });

  it('malformed "key==value" is corrected to "key=value"', () => {
    const [f] = fo109.run(snapshotFromYaml({c1: y(...world(['a', 'b'], 'a'), dr('helloworld', 'sample', FQDN, fp([`${G}==a`, R])))}));
    expect(f!.message).toContain('has 2 "="');
    const body = f!.remediation!.patch!.body as {spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failoverPriority: string[]}}}}};
    expect(body.spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority).toEqual([`${G}=a`, R]);
  });

  it('DNS ServiceEntry without failover rules: says nothing is ordered at all', () => {
    const [f] = fo109.run(snapshotFromYaml({c1: y(...world([], 'a'), se('DNS'), dr('api', 'sample', 'api.example.com', fp([G, R])))}));
    expect(f!.message).toContain('every endpoint stays at priority 0');
    expect(f!.remediation!.commands.length).toBeGreaterThan(0);
  });

  it('waypoint pods missing the label: the fix goes on the waypoint Gateway', () => {
    const [f] = fo109.run(
      snapshotFromYaml({
        c1: y(
          ...world(['a', 'b'], 'a', {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'}),
          pod('waypoint-7c9', 'sample', {'gateway.networking.k8s.io/gateway-name': 'waypoint'}, 'n1'),
          dr('helloworld', 'sample', FQDN, fp([G, R])),
        ),
      }),
    );
    expect(f!.message).toContain('waypoint pods');
    expect(f!.remediation!.commands.some((c) => c.includes('patch gateways.gateway.networking.k8s.io waypoint') && c.includes('infrastructure'))).toBe(true);
  });
});
