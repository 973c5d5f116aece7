import {describe, expect, it} from 'vitest';
import {fo201} from '../../src/checks/fo201-node-topology-labels-missing.js';
import {fo203} from '../../src/checks/fo203-single-locality.js';
import {fo302} from '../../src/checks/fo302-ambient-policy-without-waypoint.js';
import {fo303} from '../../src/checks/fo303-waypoint-not-found.js';
import {fo304} from '../../src/checks/fo304-waypoint-not-ready.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {
  BETA_R,
  BETA_Z,
  HELLO,
  OD,
  R,
  SZ,
  Z,
  dr,
  edit,
  node,
  pod,
  seed000,
  seed004,
  seed004Labels,
  service,
  withLabels,
  y,
  type O,
} from './lib/fo2xx-seeds.js';

const noZone = (sz: string): Record<string, string> => ({[R]: 'cn-north-4', [SZ]: sz});
const run = (contexts: Record<string, string>, opts: {clientNamespaces?: string[]} = {}) => fo201.run(snapshotFromYaml(contexts, opts));

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
  severity?: string[];
  clientNamespaces?: string[];
}

const cases: Case[] = [
  // ---- seed 004 (sidecars, single cluster) ----
  {name: 'seed 004 done right: every node labelled → nothing', contexts: {cluster1: y(...seed004())}, expect: []},
  {
    name: 'seed 004, zone label removed on the node of helloworld-tianjin (and sleep) → error on that node',
    contexts: {cluster1: y(...seed004({nodeLabels: {tianjin: noZone('tianjin')}}))},
    expect: ['FO201 Node node-tianjin @cluster1'],
    severity: ['error'],
  },
  {
    name: 'region missing on a node hosting only the client (sleep) → fires (clients count)',
    contexts: {cluster1: y(...seed004({sleepNode: 'node-x'}), node('node-x', {[Z]: 'cn-north-4b'}))},
    expect: ['FO201 Node node-x @cluster1'],
  },
  {
    name: 'outlierDetection only (no localityLbSetting): locality LB in effect by the mesh default, no intent → warning',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}, dr: {outlierDetection: OD}}))},
    expect: ['FO201 Node node-beijing @cluster1'],
    severity: ['warning'],
  },
  {
    name: 'failover set but no outlierDetection: locality LB not in effect → nothing (FO101 reports that)',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}, dr: {loadBalancer: {localityLbSetting: {failover: [{from: 'cn-north-4', to: 'cn-south-1'}]}}}}))},
    expect: [],
  },
  {
    name: 'localityLbSetting enabled: false → nothing even with outlierDetection',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}, dr: {outlierDetection: OD, loadBalancer: {localityLbSetting: {enabled: false}}}}))},
    expect: [],
  },
  {
    name: 'no DestinationRule at all → nothing',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: {}}, dr: null}))},
    expect: [],
  },
  {
    name: 'distribute applies without outlierDetection → in effect (intent → error)',
    contexts: {
      cluster1: y(
        ...seed004({
          nodeLabels: {beijing: noZone('beijing')},
          dr: {loadBalancer: {localityLbSetting: {distribute: [{from: 'cn-north-4/*', to: {'cn-north-4/cn-north-4b/*': 100}}]}}},
        }),
      ),
    },
    expect: ['FO201 Node node-beijing @cluster1'],
    severity: ['error'],
  },
  {
    name: 'Service trafficDistribution PreferClose (forced failover, no DestinationRule) → warning',
    contexts: {
      cluster1: y(
        ...edit(seed004({nodeLabels: {shenyang: noZone('shenyang')}, dr: null}), 'Service', 'helloworld', (s) => ({...s, spec: {...s.spec, trafficDistribution: 'PreferClose'}})),
      ),
    },
    expect: ['FO201 Node node-shenyang @cluster1'],
    severity: ['warning'],
  },
  {
    name: 'only beta failure-domain labels, sidecars → nothing (sidecars read them; FO202 reports it)',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: {[BETA_R]: 'cn-north-4', [BETA_Z]: 'cn-north-4b', [SZ]: 'beijing'}}}))},
    expect: [],
  },
  {
    name: 'unlabelled node whose only pod has topology.istio.io/locality → exempt',
    contexts: {
      cluster1: y(...seed004({nodeLabels: {beijing: {}}, podLabels: {beijing: {'topology.istio.io/locality': 'cn-north-4.cn-north-4b.beijing'}}})),
    },
    expect: [],
  },
  {
    name: 'legacy istio-locality pod label also exempts',
    contexts: {cluster1: y(...seed004({nodeLabels: {beijing: {}}, podLabels: {beijing: {'istio-locality': 'cn-north-4.cn-north-4b.beijing'}}}))},
    expect: [],
  },
  {
    name: 'unlabelled node hosting only an unrelated, non-meshed pod → nothing',
    contexts: {
      cluster1: y(...seed004(), node('node-bare'), {...pod('batch-1a2b-xyz', 'jobs', 'node-bare', {labels: {app: 'batch'}})}),
    },
    expect: [],
  },
  {
    name: 'client pod without a sidecar (sidecar.istio.io/inject=false) on an unlabelled node → nothing',
    contexts: {
      cluster1: y(...seed004({sleepNode: 'node-x'}).map((o) => (o.kind === 'Pod' && o.metadata.name.startsWith('sleep') ? {...o, spec: {...o.spec, containers: [{name: 'app'}]}, metadata: {...o.metadata, annotations: {'sidecar.istio.io/inject': 'false'}}} : o)), node('node-x')),
    },
    expect: [],
  },
  {
    name: 'client pod read from a cluster (containers listed) without istio-proxy, in an injected namespace → not a client → nothing',
    contexts: {
      cluster1: y(...seed004({sleepNode: 'node-x'}).map((o) => (o.kind === 'Pod' && o.metadata.name.startsWith('sleep') ? {...o, spec: {...o.spec, containers: [{name: 'app'}]}} : o)), node('node-x')),
    },
    expect: [],
  },
  {
    name: 'hand-written client pod (no containers listed) in an injected namespace → counts as a sidecar client → fires',
    contexts: {
      cluster1: y(...seed004({sleepNode: 'node-x'}).map((o) => (o.kind === 'Pod' && o.metadata.name.startsWith('sleep') ? {...o, spec: {nodeName: 'node-x'}} : o)), node('node-x')),
    },
    expect: ['FO201 Node node-x @cluster1'],
  },
  {
    name: 'client namespace (--client-namespace) pod on an unlabelled node → fires',
    contexts: {
      cluster1: y(...seed004(), {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'frontend', labels: {'istio-injection': 'enabled'}}}, node('node-fe'), pod('web-1a2b-xyz', 'frontend', 'node-fe', {sidecar: true, labels: {app: 'web'}})),
    },
    clientNamespaces: ['frontend'],
    expect: ['FO201 Node node-fe @cluster1'],
  },
  {
    name: 'two services on one unlabelled node → one finding for the node',
    contexts: {
      cluster1: y(
        ...seed004({nodeLabels: {tianjin: noZone('tianjin')}}),
        service('other', 'sample'),
        pod('other-1a2b-xyz', 'sample', 'node-tianjin', {sidecar: true, labels: {app: 'other'}}),
        dr('other', 'sample', 'other.sample.svc.cluster.local', {outlierDetection: OD}),
      ),
    },
    expect: ['FO201 Node node-tianjin @cluster1'],
  },

  // ---- seed 000 (ambient multicluster) ----
  {
    name: 'seed 000 done right: both clusters labelled → nothing',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2'))},
    expect: [],
  },
  {
    name: 'ambient: only beta labels on the node of the endpoints and the waypoint → error (ambient reads GA labels only)',
    contexts: {cluster1: y(...seed000('cluster1', {nodeLabels: {[BETA_R]: 'us-east-1', [BETA_Z]: 'us-east-1a'}}))},
    expect: ['FO201 Node cluster1-node-1 @cluster1'],
    severity: ['error'],
  },
  {
    name: 'ambient: waypoint pod on an unlabelled node, endpoints labelled → fires on the waypoint node',
    contexts: {
      cluster1: y(
        ...seed000('cluster1').map((o) => (o.kind === 'Pod' && o.metadata.name.startsWith('waypoint') ? {...o, spec: {...o.spec, nodeName: 'wp-node'}} : o)),
        node('wp-node'),
      ),
    },
    expect: ['FO201 Node wp-node @cluster1'],
  },
  {
    name: 'ambient with a waypoint: an ambient client (curl) on an unlabelled node does not count (the waypoint is the client)',
    contexts: {
      cluster1: y(...seed000('cluster1').map((o) => (o.kind === 'Pod' && o.metadata.name.startsWith('curl') ? {...o, spec: {...o.spec, nodeName: 'curl-node'}} : o)), node('curl-node')),
    },
    expect: [],
  },
  {
    name: 'ambient: a pod locality label does not exempt (ambient ignores it)',
    contexts: {
      cluster1: y(
        ...edit(seed000('cluster1'), 'Node', 'cluster1-node-1', (n) => ({...n, metadata: {...n.metadata, labels: {}}})).map((o) =>
          o.kind === 'Pod' && o.metadata.name.startsWith('helloworld')
            ? withLabels({'topology.istio.io/locality': 'us-east-1.us-east-1a'})(structuredClone(o))
            : o.kind === 'Pod' && o.metadata.name.startsWith('waypoint')
              ? {...o, spec: {...o.spec, nodeName: 'wp-node'}}
              : o,
        ),
        node('wp-node', {[R]: 'us-east-1', [Z]: 'us-east-1a'}),
      ),
    },
    expect: ['FO201 Node cluster1-node-1 @cluster1'],
  },
  {
    name: 'ambient without a waypoint: DestinationRule ignored by ztunnel → locality LB not in effect → nothing (FO302 reports it)',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: undefined, nodeLabels: {}}))},
    expect: [],
  },
  {
    name: 'ambient without a waypoint but trafficDistribution PreferClose (ztunnel) → fires',
    contexts: {
      cluster1: y(
        ...edit(seed000('cluster1', {useWaypoint: undefined, nodeLabels: {[R]: 'us-east-1'}}), 'Service', 'helloworld', (s) => ({...s, spec: {...s.spec, trafficDistribution: 'PreferClose'}})),
      ),
    },
    expect: ['FO201 Node cluster1-node-1 @cluster1'],
  },
];

describe('FO201 node-topology-labels-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = run(c.contexts, c.clientNamespaces ? {clientNamespaces: c.clientNamespaces} : {});
      expect(keysOf(findings)).toEqual(c.expect);
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
      for (const f of findings) {
        expect(f.remediation?.commands.length).toBeGreaterThan(0);
        expect(f.object).toEqual({apiVersion: 'v1', kind: 'Node', name: f.object.name});
      }
    });
  }

  it('suggests the region from peers, marks the zone as a placeholder, and restarts the pods on the node', () => {
    const [f] = run({cluster1: y(...seed004({nodeLabels: {tianjin: {[SZ]: 'tianjin'}}}))});
    expect(f).toBeDefined();
    expect(f!.details).toMatchObject({
      node: 'node-tianjin',
      missingLabels: [R, Z],
      services: ['sample/helloworld'],
      roles: ['client', 'endpoint'],
      failoverIntent: true,
    });
    const cmds = f!.remediation!.commands;
    expect(cmds[0]).toBe(`kubectl --context cluster1 label node node-tianjin ${R}=cn-north-4 '${Z}=<ZONE>'`);
    expect(cmds).toContain('kubectl --context cluster1 -n sample rollout restart deployment/helloworld-tianjin');
    expect(cmds).toContain('kubectl --context cluster1 -n sample rollout restart deployment/sleep');
    expect(cmds.at(-1)).toBe('kubectl --context cluster1 get pods -A -o wide --field-selector spec.nodeName=node-tianjin');
    expect(f!.remediation!.summary).toMatch(/placeholder/);
    expect(f!.remediation!.summary).toMatch(/restart/);
  });

  it('takes values from the node\'s beta labels (ambient) or its AWS providerID', () => {
    const [a] = run({cluster1: y(...seed000('cluster1', {nodeLabels: {[BETA_R]: 'us-east-1', [BETA_Z]: 'us-east-1a'}}))});
    expect(a!.remediation!.commands[0]).toBe(`kubectl --context cluster1 label node cluster1-node-1 ${R}=us-east-1 ${Z}=us-east-1a`);
    expect(a!.message).toMatch(/failure-domain\.beta/);
    const objs: O[] = edit(seed004({nodeLabels: {beijing: {}}}), 'Node', 'node-beijing', (n) => ({...n, spec: {providerID: 'aws:///eu-west-1b/i-0abc'}}));
    const [b] = run({cluster1: y(...objs)});
    expect(b!.remediation!.commands[0]).toBe(`kubectl --context cluster1 label node node-beijing ${R}=eu-west-1 ${Z}=eu-west-1b`);
  });

  it('only the missing label is in the command', () => {
    const [f] = run({cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}}))});
    expect(f!.details).toMatchObject({missingLabels: [Z]});
    expect(f!.remediation!.commands[0]).toBe(`kubectl --context cluster1 label node node-beijing '${Z}=<ZONE>'`);
  });

  it('does not depend on a Service host typed in short form', () => {
    // The DestinationRule host written as `helloworld` (short name) resolves in its own namespace.
    const objs = edit(seed004({nodeLabels: {beijing: noZone('beijing')}}), 'DestinationRule', 'helloworld', (d) => ({...d, spec: {...d.spec, host: 'helloworld'}}));
    expect(keysOf(run({cluster1: y(...objs)}))).toEqual(['FO201 Node node-beijing @cluster1']);
    expect(HELLO).toBe('helloworld.sample.svc.cluster.local');
  });

  it('never mutates the snapshot and seed 004 labels are what the seed says', () => {
    expect(seed004Labels('beijing')).toEqual({[R]: 'cn-north-4', [Z]: 'cn-north-4b', [SZ]: 'beijing'});
    const s = snapshotFromYaml({cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}}))});
    fo201.run(s);
    expect(Object.isFrozen(s.contexts[0]!.objects.Node[0]!.metadata.labels)).toBe(true);
  });
});

describe('the FO2xx/FO3xx group on the seeds', () => {
  const group = [fo201, fo203, fo302, fo303, fo304];
  const all = (contexts: Record<string, string>): string[] => keysOf(group.flatMap((c) => c.run(snapshotFromYaml(contexts))));
  const seed000Both = (o: Parameters<typeof seed000>[1] = {}) => ({cluster1: y(...seed000('cluster1', o)), cluster2: y(...seed000('cluster2', o))});

  it('seed 000 done right and seed 004 done right: none fires', () => {
    expect(all(seed000Both())).toEqual([]);
    expect(all({cluster1: y(...seed004())})).toEqual([]);
  });
  it('seed 000 variants: no use-waypoint → FO302; missing waypoint → FO303; waypoint 0/1 → FO304 (and nothing else)', () => {
    expect(all(seed000Both({useWaypoint: undefined}))).toEqual(['FO302 Service sample/helloworld @cluster1', 'FO302 Service sample/helloworld @cluster2']);
    expect(all({cluster1: y(...seed000('cluster1', {useWaypoint: 'nope'})), cluster2: y(...seed000('cluster2'))})).toEqual(['FO303 Service sample/helloworld @cluster1']);
    expect(all({cluster1: y(...seed000('cluster1', {waypointAvailable: 0})), cluster2: y(...seed000('cluster2'))})).toEqual(['FO304 Deployment sample/waypoint @cluster1']);
  });
  it('seed 004 with the zone label removed on a node hosting a helloworld pod → FO201 only', () => {
    expect(all({cluster1: y(...seed004({nodeLabels: {beijing: noZone('beijing')}}))})).toEqual(['FO201 Node node-beijing @cluster1']);
  });
});
