import {describe, expect, it} from 'vitest';
import {fo203} from '../../src/checks/fo203-single-locality.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {OD, R, SZ, Z, dr, edit, namespace, node, pod, remoteSecret, seed000, seed004, y, type O} from './lib/fo2xx-seeds.js';

const allOn = (n: string) => ({beijing: n, tianjin: n, shenyang: n});
const FAILOVER_DR = {loadBalancer: {localityLbSetting: {failover: [{from: 'cn-north-4', to: 'cn-south-1'}]}}, outlierDetection: OD};

const serviceEntry = (name: string, host: string, endpoints: O[], resolution = 'DNS'): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: {name, namespace: 'sample'},
  spec: {hosts: [host], location: 'MESH_EXTERNAL', resolution, ports: [{number: 80, name: 'http', protocol: 'HTTP'}], endpoints},
});
const workloadEntry = (name: string, address: string, locality: string, labels: Record<string, string>, network?: string): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'WorkloadEntry',
  metadata: {name, namespace: 'sample'},
  spec: {address, locality, labels, ...(network ? {network} : {})},
});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  // ---- seed 004 ----
  {name: 'seed 004 done right: three subzones → nothing', contexts: {cluster1: y(...seed004())}, expect: []},
  {
    name: 'seed 004 with every helloworld pod on node-beijing → warning on the Service',
    contexts: {cluster1: y(...seed004({podNode: allOn('node-beijing')}))},
    expect: ['FO203 Service sample/helloworld @cluster1'],
  },
  {
    name: 'same, but the DestinationRule only sets outlierDetection (no intent) → nothing',
    contexts: {cluster1: y(...seed004({podNode: allOn('node-beijing'), dr: {outlierDetection: OD}}))},
    expect: [],
  },
  {
    name: 'all pods on one node whose labels are missing (empty locality) → nothing (FO201 reports it)',
    contexts: {cluster1: y(...seed004({podNode: allOn('node-beijing'), nodeLabels: {beijing: {}}}))},
    expect: [],
  },
  {
    name: 'one locality, but a failoverPriority label differs between pods → somewhere to fail over → nothing',
    contexts: {
      cluster1: y(
        ...seed004({
          podNode: allOn('node-beijing'),
          podLabels: {beijing: {tier: 'a'}, tianjin: {tier: 'b'}, shenyang: {tier: 'b'}},
          dr: {loadBalancer: {localityLbSetting: {failoverPriority: ['tier']}}, outlierDetection: OD},
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'one locality and failoverPriority label equal on every pod → fires',
    contexts: {
      cluster1: y(
        ...seed004({
          podNode: allOn('node-beijing'),
          podLabels: {beijing: {tier: 'a'}, tianjin: {tier: 'a'}, shenyang: {tier: 'a'}},
          dr: {loadBalancer: {localityLbSetting: {failoverPriority: ['tier']}}, outlierDetection: OD},
        }),
      ),
    },
    expect: ['FO203 Service sample/helloworld @cluster1'],
  },
  {
    name: 'mesh-level failover intent, no DestinationRule localityLbSetting → fires',
    contexts: {
      cluster1: y(
        ...seed004({podNode: allOn('node-beijing'), dr: {outlierDetection: OD}}),
        {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'localityLbSetting:\n  failover:\n  - from: cn-north-4\n    to: cn-south-1\n'}},
      ),
    },
    expect: ['FO203 Service sample/helloworld @cluster1'],
  },
  {
    name: 'a remote secret names a cluster that was not read → do not claim "nowhere"',
    contexts: {cluster1: y(...seed004({podNode: allOn('node-beijing')}), remoteSecret('cluster2'))},
    expect: [],
  },
  {
    name: 'a WorkloadEntry in another locality stands in for remote instances → nothing',
    contexts: {cluster1: y(...seed004({podNode: allOn('node-beijing')}), workloadEntry('hw-remote', '192.0.2.10', 'cn-south-1/cn-south-1a', {app: 'helloworld'}))},
    expect: [],
  },
  {
    name: 'a WorkloadEntry on another network (remote cluster behind its gateway), same locality → nothing',
    contexts: {
      cluster1: y(...seed004({podNode: allOn('node-beijing')}), workloadEntry('hw-remote', '192.0.2.10', 'cn-north-4/cn-north-4b/beijing', {app: 'helloworld'}, 'network2')),
    },
    expect: [],
  },
  {
    name: 'no endpoints at all → nothing',
    contexts: {cluster1: y(...seed004().filter((o) => !(o.kind === 'Pod' && o.metadata.name.startsWith('helloworld'))))},
    expect: [],
  },

  // ---- seed 000 ----
  {
    name: 'seed 000 done right: endpoints in cluster1 and cluster2 → nothing',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2'))},
    expect: [],
  },
  {
    name: 'seed 000 with only cluster1 read: cross-cluster failover configured, peer not read → nothing',
    contexts: {cluster1: y(...seed000('cluster1'))},
    expect: [],
  },
  {
    name: 'seed 000 with cluster2 scaled to 0 (both read): every endpoint in cluster1 → warning in both contexts',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2', {pods: 0}))},
    expect: ['FO203 Service sample/helloworld @cluster1', 'FO203 Service sample/helloworld @cluster2'],
  },

  // ---- ServiceEntry (external service) ----
  {
    name: 'ServiceEntry endpoints all in one locality with failover → warning on the ServiceEntry',
    contexts: {
      cluster1: y(
        namespace('sample'),
        node('n1', {[R]: 'us-east', [Z]: 'us-east-1a'}),
        serviceEntry('ext', 'api.example.com', [
          {address: 'a.example.com', locality: 'us-east/us-east-1a'},
          {address: 'b.example.com', locality: 'us-east/us-east-1a'},
        ]),
        dr('ext', 'sample', 'api.example.com', {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}, outlierDetection: OD}),
      ),
    },
    expect: ['FO203 ServiceEntry sample/ext @cluster1'],
  },
  {
    name: 'ServiceEntry endpoints in two regions (seed 002) → nothing',
    contexts: {
      cluster1: y(
        namespace('sample'),
        node('n1', {[R]: 'us-east', [Z]: 'us-east-1a'}),
        serviceEntry('ext', 'api.example.com', [
          {address: 'a.example.com', locality: 'us-east/us-east-1a'},
          {address: 'b.example.com', locality: 'us-west/us-west-1a'},
        ]),
        dr('ext', 'sample', 'api.example.com', {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}, outlierDetection: OD}),
      ),
    },
    expect: [],
  },
  {
    name: 'ServiceEntry endpoints without locality → nothing (FO503 reports it)',
    contexts: {
      cluster1: y(
        namespace('sample'),
        serviceEntry('ext', 'api.example.com', [{address: 'a.example.com'}, {address: 'b.example.com'}]),
        dr('ext', 'sample', 'api.example.com', {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}, outlierDetection: OD}),
      ),
    },
    expect: [],
  },
];

describe('FO203 single-locality', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo203.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('warning');
        expect(f.remediation?.summary.length).toBeGreaterThan(10);
        expect(f.remediation?.snippet).toBeTruthy();
      }
    });
  }

  it('names the locality, the cluster and the contexts read, and gives a topologySpreadConstraints snippet', () => {
    const [f] = fo203.run(snapshotFromYaml({cluster1: y(...seed004({podNode: allOn('node-tianjin')}))}));
    expect(f!.details).toMatchObject({endpoints: 3, locality: 'cn-north-4/cn-north-4b/tianjin', cluster: 'cluster1', contextsRead: ['cluster1'], destinationRule: 'sample/helloworld'});
    expect(f!.message).toMatch(/nowhere to fail over/);
    expect(f!.remediation!.snippet).toMatch(/topologyKey: topology.kubernetes.io\/zone/);
    expect(f!.remediation!.snippet).toMatch(/app: helloworld/);
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster1 -n sample get pods -l app=helloworld -o wide',
      `kubectl --context cluster1 get nodes -L ${R},${Z},${SZ}`,
    ]);
  });

  it('a peer cluster that was read but lacks pods does not hide the single locality; an unread third cluster does', () => {
    const c1 = seed000('cluster1');
    const withThird = [...c1, {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'istio-remote-secret-cluster3', namespace: 'istio-system', labels: {'istio/multiCluster': 'true'}}}];
    expect(keysOf(fo203.run(snapshotFromYaml({cluster1: y(...withThird), cluster2: y(...seed000('cluster2', {pods: 0}))})))).toEqual([
      'FO203 Service sample/helloworld @cluster2',
    ]);
    expect(edit(c1, 'Secret', 'istio-remote-secret-cluster2', () => undefined).some((o) => o.kind === 'Secret')).toBe(false);
  });
});

describe('FO203: localityLbSetting enabled: false is not intent', () => {
  it('all pods in one locality, DestinationRule turns locality LB off → nothing', () => {
    const objs = seed004({podNode: allOn('node-beijing'), dr: {loadBalancer: {localityLbSetting: {enabled: false}}, outlierDetection: OD}});
    expect(keysOf(fo203.run(snapshotFromYaml({cluster1: y(...objs)})))).toEqual([]);
  });
  it('mesh failover, but the DestinationRule turns locality LB off for this service → nothing', () => {
    const objs = [
      ...seed004({podNode: allOn('node-beijing'), dr: {loadBalancer: {localityLbSetting: {enabled: false}}, outlierDetection: OD}}),
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'localityLbSetting:\n  failover:\n  - from: cn-north-4\n    to: cn-south-1\n'}},
    ];
    expect(keysOf(fo203.run(snapshotFromYaml({cluster1: y(...objs)})))).toEqual([]);
  });
});
