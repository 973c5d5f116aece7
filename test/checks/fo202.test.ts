import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo201} from '../../src/checks/fo201-node-topology-labels-missing.js';
import {fo202} from '../../src/checks/fo202-deprecated-topology-labels.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');

const R = 'topology.kubernetes.io/region';
const Z = 'topology.kubernetes.io/zone';
const BR = 'failure-domain.beta.kubernetes.io/region';
const BZ = 'failure-domain.beta.kubernetes.io/zone';
const OD = {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'};

const node = (name: string, labels: Record<string, string>): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels}});
const ns = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const pod = (name: string, namespace: string, nodeName: string, o: {labels?: Record<string, string>; sidecar?: boolean} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace, labels: o.labels ?? {app: name.replace(/-\d+$/, '')}},
  spec: {nodeName, containers: [{name: 'app'}, ...(o.sidecar === false ? [] : [{name: 'istio-proxy'}])]},
  status: {phase: 'Running'},
});
const svc = (name: string, namespace: string, labels: Record<string, string> = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace, labels: {app: name, ...labels}},
  spec: {selector: {app: name}, ports: [{port: 9080, name: 'http'}]},
});
const dr = (name: string, namespace: string, host: string, trafficPolicy: O): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace}, spec: {host, trafficPolicy}});

const GKE = {[BR]: 'us-east1', [BZ]: 'us-east1-b'};
const GA = {[R]: 'us-east1', [Z]: 'us-east1-b'};

/** Seed 002: GKE nodes (beta labels), sleep clients with sidecars on each node, DNS ServiceEntry mydb.com with localities, DR with outlier detection. */
function seed002(o: {labels?: Record<string, string>; dr?: O | null; sleepSidecar?: boolean; nsLabels?: Record<string, string>; extra?: O[]} = {}): string {
  const labels = o.labels ?? GKE;
  return y(
    node('gke-node-1', labels),
    node('gke-node-2', labels),
    ns('default', o.nsLabels ?? {'istio-injection': 'enabled'}),
    pod('sleep-1', 'default', 'gke-node-1', {labels: {app: 'sleep'}, sidecar: o.sleepSidecar ?? true}),
    pod('sleep-2', 'default', 'gke-node-2', {labels: {app: 'sleep'}, sidecar: o.sleepSidecar ?? true}),
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'ServiceEntry',
      metadata: {name: 'external-svc-dns', namespace: 'default'},
      spec: {
        hosts: ['mydb.com'],
        location: 'MESH_EXTERNAL',
        ports: [{number: 80, name: 'http', protocol: 'HTTP'}],
        resolution: 'DNS',
        endpoints: [
          {address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1', ports: {http: 80}},
          {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west', ports: {http: 80}},
        ],
      },
    },
    ...(o.dr === null ? [] : [o.dr ?? {apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: {name: 'mydynamodb', namespace: 'default'}, spec: {host: 'mydb.com', trafficPolicy: {outlierDetection: OD}}}]),
    ...(o.extra ?? []),
  );
}

/** Ambient namespace `sample` with a waypoint on node wp-node and helloworld endpoints on ep-node. */
function ambient(o: {epNode: Record<string, string>; wpNode: Record<string, string>; dr?: boolean}): string {
  return y(
    node('ep-node', o.epNode),
    node('wp-node', o.wpNode),
    ns('istio-system'),
    ns('sample', {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'}),
    svc('helloworld', 'sample'),
    pod('helloworld-1', 'sample', 'ep-node', {labels: {app: 'helloworld'}, sidecar: false}),
    {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'waypoint', namespace: 'sample'}, spec: {gatewayClassName: 'istio-waypoint'}},
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'waypoint', namespace: 'sample', labels: {'gateway.networking.k8s.io/gateway-name': 'waypoint'}}, spec: {selector: {'gateway.networking.k8s.io/gateway-name': 'waypoint'}, ports: [{port: 15008}]}},
    pod('waypoint-1', 'sample', 'wp-node', {labels: {'gateway.networking.k8s.io/gateway-name': 'waypoint', 'istio.io/dataplane-mode': 'none'}}),
    ...(o.dr === false ? [] : [dr('helloworld', 'sample', 'helloworld.sample.svc.cluster.local', {outlierDetection: OD})]),
  );
}

interface Case {
  name: string;
  yaml: string;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {
    name: 'seed 002: GKE nodes with only failure-domain.beta labels, sidecar sleep clients of a DNS ServiceEntry with outlier detection → info on each node',
    yaml: seed002(),
    expect: ['FO202 Node gke-node-1 @cluster1', 'FO202 Node gke-node-2 @cluster1'],
    severity: ['info', 'info'],
  },
  {name: 'seed 002 done right: GA labels → nothing', yaml: seed002({labels: GA}), expect: []},
  {name: 'seed 002 with both GA and beta labels (what kubelet sets) → nothing', yaml: seed002({labels: {...GA, ...GKE}}), expect: []},
  {name: 'seed 002 without the DestinationRule (no locality LB in effect) → nothing', yaml: seed002({dr: null}), expect: []},
  {
    name: 'seed 002 with failover but no outlier detection (locality LB not in effect) → nothing',
    yaml: seed002({dr: {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'd', namespace: 'default'}, spec: {host: 'mydb.com', trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'us-west'}]}}}}}}),
    expect: [],
  },
  {
    name: 'clients without a sidecar in a namespace without injection: nobody reads a node locality → nothing',
    yaml: seed002({sleepSidecar: false, nsLabels: {}}),
    expect: [],
  },
  {
    name: 'a beta-only node hosting none of the clients now, in a cluster that uses node localities → info too (pods get rescheduled)',
    yaml: seed002({labels: GA, extra: [node('idle-node', GKE)]}),
    expect: ['FO202 Node idle-node @cluster1'],
    severity: ['info'],
  },
  {
    name: 'beta-only nodes in a cluster where no proxy uses node localities (no locality LB in effect) → nothing',
    yaml: seed002({dr: null, extra: [node('idle-node', GKE)]}),
    expect: [],
  },
  {
    name: 'GA region but only the beta zone → fires (zone)',
    yaml: seed002({labels: {[R]: 'us-east1', [BZ]: 'us-east1-b'}}),
    expect: ['FO202 Node gke-node-1 @cluster1', 'FO202 Node gke-node-2 @cluster1'],
  },
  {
    name: 'the only client has its own topology.istio.io/locality label: nobody takes a locality from a node → nothing',
    yaml: y(
      node('gke-node-1', GKE),
      ns('default', {'istio-injection': 'enabled'}),
      pod('sleep-1', 'default', 'gke-node-1', {labels: {app: 'sleep', 'topology.istio.io/locality': 'us-east1.us-east1-b'}}),
      {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'se', namespace: 'default'}, spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http'}], resolution: 'DNS', endpoints: [{address: 'a.example.com', locality: 'us-east1'}]}},
      dr('d', 'default', 'mydb.com', {outlierDetection: OD}),
    ),
    expect: [],
  },
  {
    name: 'sidecar Service with outlier detection: endpoint on a beta-only node → info',
    yaml: y(
      node('n1', GKE),
      node('n2', GA),
      ns('bookinfo', {'istio-injection': 'enabled'}),
      svc('details', 'bookinfo'),
      pod('details-1', 'bookinfo', 'n1', {labels: {app: 'details'}}),
      pod('productpage-1', 'bookinfo', 'n2', {labels: {app: 'productpage'}}),
      dr('details', 'bookinfo', 'details', {outlierDetection: OD}),
    ),
    expect: ['FO202 Node n1 @cluster1'],
    severity: ['info'],
  },
  {
    name: 'ambient: endpoints on a beta-only node are FO201\'s (ambient ignores beta labels) → FO202 does not repeat it',
    yaml: ambient({epNode: GKE, wpNode: GA}),
    expect: [],
  },
  {
    name: 'ambient: FO201 has the endpoint node; another beta-only node with nothing on it now → info',
    yaml: ambient({epNode: GKE, wpNode: GA}) + '---\n' + stringify(node('spare', GKE)),
    expect: ['FO202 Node spare @cluster1'],
    severity: ['info'],
  },
  {
    name: 'ambient: the waypoint (an Envoy read like a sidecar) on a beta-only node, endpoints on GA nodes → info',
    yaml: ambient({epNode: GA, wpNode: GKE}),
    expect: ['FO202 Node wp-node @cluster1'],
    severity: ['info'],
  },
  {
    name: 'ambient ServiceEntry bound to a waypoint, its workloadSelector pods on a beta-only node (FO201 does not look at ServiceEntries) → warning',
    yaml: y(
      node('vm-node', GKE),
      node('wp-node', GA),
      ns('ext', {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'}),
      {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'legacy', namespace: 'ext'}, spec: {hosts: ['legacy.example.com'], ports: [{number: 80, name: 'http'}], resolution: 'STATIC', workloadSelector: {labels: {app: 'legacy'}}}},
      pod('legacy-1', 'ext', 'vm-node', {labels: {app: 'legacy'}, sidecar: false}),
      {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'waypoint', namespace: 'ext'}, spec: {gatewayClassName: 'istio-waypoint'}},
      pod('waypoint-1', 'ext', 'wp-node', {labels: {'gateway.networking.k8s.io/gateway-name': 'waypoint'}}),
      dr('legacy', 'ext', 'legacy.example.com', {outlierDetection: OD}),
    ),
    expect: ['FO202 Node vm-node @cluster1'],
    severity: ['warning'],
  },
];

describe('FO202 deprecated-topology-labels', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo202.run(snapshotFromYaml({cluster1: c.yaml}));
      expect(keysOf(findings)).toEqual(c.expect);
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
    });
  }

  it('complements FO201: on an ambient endpoint node with only beta labels FO201 fires and FO202 stays silent', () => {
    const snap = snapshotFromYaml({cluster1: ambient({epNode: GKE, wpNode: GA})});
    expect(keysOf(fo201.run(snap))).toEqual(['FO201 Node ep-node @cluster1']);
    expect(fo202.run(snap)).toEqual([]);
  });

  it('the sidecar case: FO201 is silent (the fallback works), FO202 informs', () => {
    const snap = snapshotFromYaml({cluster1: seed002()});
    expect(fo201.run(snap)).toEqual([]);
    expect(fo202.run(snap)).toHaveLength(2);
  });

  it('remediation labels the node with the GA keys and the beta values, without --overwrite', () => {
    const [f] = fo202.run(snapshotFromYaml({cluster1: seed002()}));
    expect(f!.remediation!.commands[0]).toBe(
      'kubectl --context cluster1 label node gke-node-1 topology.kubernetes.io/region=us-east1 topology.kubernetes.io/zone=us-east1-b',
    );
    expect(f!.details).toMatchObject({
      node: 'gke-node-1',
      inScope: true,
      via: ['ServiceEntry default/external-svc-dns'],
      roles: ['client'],
      pods: ['default/sleep-1'],
      betaOnly: [
        {key: 'region', label: BR, value: 'us-east1', missing: R},
        {key: 'zone', label: BZ, value: 'us-east1-b', missing: Z},
      ],
    });
    expect(f!.message).toContain('failure-domain.beta.kubernetes.io/region=us-east1');
  });
});

describe('FO202 nodes out of the current scope', () => {
  it('says that nothing runs there now, and names what uses node localities', () => {
    const findings = fo202.run(snapshotFromYaml({cluster1: seed002({labels: GA, extra: [node('idle-node', GKE)]})}));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.details).toMatchObject({node: 'idle-node', inScope: false, via: ['ServiceEntry default/external-svc-dns'], pods: []});
    expect(findings[0]!.message).toContain('runs here now');
  });
});

describe('FO202 several services share the clients of a namespace', () => {
  it('names every locality-balanced service on the node of their common clients', () => {
    const yaml = y(
      node('n1', GKE),
      ns('bookinfo', {'istio-injection': 'enabled'}),
      svc('details', 'bookinfo'),
      svc('ratings', 'bookinfo'),
      pod('productpage-1', 'bookinfo', 'n1', {labels: {app: 'productpage'}}),
      dr('details', 'bookinfo', 'details', {outlierDetection: OD}),
      dr('ratings', 'bookinfo', 'ratings', {outlierDetection: OD, loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'us-west1'}]}}}),
    );
    const [f] = fo202.run(snapshotFromYaml({cluster1: yaml}));
    expect(f!.details).toMatchObject({via: ['Service bookinfo/details', 'Service bookinfo/ratings'], roles: ['client'], pods: ['bookinfo/productpage-1'], failoverIntent: true});
  });
});
