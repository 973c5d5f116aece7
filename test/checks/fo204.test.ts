import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo204} from '../../src/checks/fo204-locality-label-malformed.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');

const LOC = 'topology.istio.io/locality';
const LEGACY = 'istio-locality';
const HASH = '6b7f9c8d4';

const node = (name: string, region: string, zone: string): O => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {name, labels: {'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': zone}},
});
const ns = (name: string, labels: Record<string, string> = {'istio-injection': 'enabled'}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const deployment = (name: string, namespace: string, labels: Record<string, string>): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace},
  spec: {selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name, ...labels}}, spec: {containers: [{name: 'app'}]}}},
});
/** A pod of Deployment `deploy` (through its ReplicaSet) or, with deploy '', a bare pod. */
const pod = (name: string, namespace: string, labels: Record<string, string>, deploy = '', o: {phase?: string; sidecar?: boolean} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace,
    labels: {...labels, ...(deploy ? {'pod-template-hash': HASH} : {})},
    ...(deploy ? {ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deploy}-${HASH}`}]} : {}),
  },
  spec: {nodeName: 'n1', containers: [{name: 'app'}, ...(o.sidecar === false ? [] : [{name: 'istio-proxy'}])]},
  status: {phase: o.phase ?? 'Running'},
});
const we = (name: string, namespace: string, spec: O, labels: Record<string, string> = {}): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'WorkloadEntry',
  metadata: {name, namespace, labels},
  spec: {address: '10.0.0.7', ...spec},
});

/** A cluster whose nodes are in eu.central.1 (a region name with dots) and us-east-1. */
const base = [node('n1', 'eu.central.1', 'eu.central.1a'), node('n2', 'us-east-1', 'us-east-1a'), ns('app')];

interface Case {
  name: string;
  docs: O[];
  expect: string[];
}

const cases: Case[] = [
  // ---- pods ----
  {name: 'pod label with region.zone (1 dot) → nothing', docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'us-east-1.us-east-1a'})], expect: []},
  {name: 'pod label with region.zone.subzone (2 dots) → nothing', docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'us-east-1.us-east-1a.rack1'})], expect: []},
  {name: 'pod label with only a region → nothing', docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'us-east-1'})], expect: []},
  {name: 'pod without any locality label → nothing', docs: [...base, pod('a-0', 'app', {app: 'a'})], expect: []},
  {
    name: 'bare pod label with 4 segments (eu.central.1.zone-a) → warning on the pod',
    docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'eu.central.1.zone-a'})],
    expect: ['FO204 Pod app/a-0 @cluster1'],
  },
  {
    name: 'legacy istio-locality label with 4 segments → warning',
    docs: [...base, pod('a-0', 'app', {app: 'a', [LEGACY]: 'r.z.s.extra'})],
    expect: ['FO204 Pod app/a-0 @cluster1'],
  },
  {
    name: 'the pods of one Deployment are reported once, on the Deployment',
    docs: [
      ...base,
      deployment('api', 'app', {[LOC]: 'a.b.c.d'}),
      pod('api-6b7f9c8d4-x1', 'app', {app: 'api', [LOC]: 'a.b.c.d'}, 'api'),
      pod('api-6b7f9c8d4-x2', 'app', {app: 'api', [LOC]: 'a.b.c.d'}, 'api'),
    ],
    expect: ['FO204 Deployment app/api @cluster1'],
  },
  {
    name: 'a dotted region that the nodes carry (eu.central.1) written in the label with 3 segments → warning (split into eu/central/1)',
    docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'eu.central.1'})],
    expect: ['FO204 Pod app/a-0 @cluster1'],
  },
  {
    name: 'dotted values whose prefix is no known region (3 segments) → nothing',
    docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'asia.tokyo.rack1'})],
    expect: [],
  },
  {name: 'an empty zone (a..b) → warning', docs: [...base, pod('a-0', 'app', {app: 'a', [LOC]: 'us-east-1..rack1'})], expect: ['FO204 Pod app/a-0 @cluster1']},
  {
    name: 'ambient pods: the ambient registry ignores the label → nothing',
    docs: [...base, ns('amb', {'istio.io/dataplane-mode': 'ambient'}), pod('a-0', 'amb', {app: 'a', [LOC]: 'eu.central.1.zone-a'}, '', {sidecar: false})],
    expect: [],
  },
  {
    name: 'finished pods are ignored',
    docs: [...base, pod('job-0', 'app', {app: 'job', [LOC]: 'a.b.c.d'}, '', {phase: 'Succeeded'})],
    expect: [],
  },
  // ---- WorkloadEntries ----
  {name: 'WorkloadEntry spec.locality region/zone → nothing', docs: [...base, we('vm', 'app', {locality: 'us-east-1/us-east-1a'})], expect: []},
  {name: 'WorkloadEntry spec.locality keeps dots in a region (eu.central.1/zone-a) → nothing', docs: [...base, we('vm', 'app', {locality: 'eu.central.1/eu.central.1a'})], expect: []},
  {name: 'WorkloadEntry spec.locality with 4 segments → warning', docs: [...base, we('vm', 'app', {locality: 'r/z/s/x'})], expect: ['FO204 WorkloadEntry app/vm @cluster1']},
  {
    name: 'WorkloadEntry spec.locality written like a label (us-east-1.us-east-1a) while us-east-1 is a node region → warning',
    docs: [...base, we('vm', 'app', {locality: 'us-east-1.us-east-1a'})],
    expect: ['FO204 WorkloadEntry app/vm @cluster1'],
  },
  {
    name: 'WorkloadEntry spec.locality that is exactly a dotted node region → nothing',
    docs: [...base, we('vm', 'app', {locality: 'eu.central.1'})],
    expect: [],
  },
  {
    name: 'WorkloadEntry spec.locality with dots and no known prefix → nothing (a region of its own)',
    docs: [...base, we('vm', 'app', {locality: 'on.prem.dc1'})],
    expect: [],
  },
  {
    name: 'WorkloadEntry locality label with 4 segments (no spec.locality) → warning',
    docs: [...base, we('vm', 'app', {}, {[LOC]: 'eu.central.1.zone-a'})],
    expect: ['FO204 WorkloadEntry app/vm @cluster1'],
  },
  {
    name: 'WorkloadEntry spec.locality wins over a malformed label → nothing',
    docs: [...base, we('vm', 'app', {locality: 'us-east-1/us-east-1a'}, {[LOC]: 'a.b.c.d'})],
    expect: [],
  },
  {
    name: 'WorkloadEntry spec.labels carry the label → warning',
    docs: [...base, we('vm', 'app', {labels: {[LEGACY]: 'a.b.c.d'}})],
    expect: ['FO204 WorkloadEntry app/vm @cluster1'],
  },
];

describe('FO204 locality-label-malformed', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo204.run(snapshotFromYaml({cluster1: y(...c.docs)}));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('warning');
        expect(f.remediation?.commands.length).toBeGreaterThan(0);
      }
    });
  }

  it('4 segments: says what Istio keeps and drops; the Deployment patch sets the three segments it uses', () => {
    const [f] = fo204.run(
      snapshotFromYaml({cluster1: y(...base, deployment('api', 'app', {[LOC]: 'a.b.c.d'}), pod('api-6b7f9c8d4-x1', 'app', {app: 'api', [LOC]: 'a.b.c.d'}, 'api'))}),
    );
    expect(f!.details).toMatchObject({region: 'a', zone: 'b', subzone: 'c', dropped: ['d'], issues: ['too-many-segments'], pods: ['app/api-6b7f9c8d4-x1']});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n app patch deployment api --type merge -p '{"spec":{"template":{"metadata":{"labels":{"topology.istio.io/locality":"a.b.c"}}}}}'`,
    ]);
  });

  it('a dotted known region in a pod label: remove the label so the node labels apply', () => {
    const [f] = fo204.run(snapshotFromYaml({cluster1: y(...base, pod('a-0', 'app', {app: 'a', [LOC]: 'eu.central.1.zone-a'}))}));
    expect(f!.details).toMatchObject({issues: ['too-many-segments', 'dotted-region'], knownRegion: 'eu.central.1', region: 'eu', zone: 'central', subzone: '1', dropped: ['zone-a']});
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 -n app label pod a-0 topology.istio.io/locality- --overwrite']);
  });

  it('a WorkloadEntry label with a dotted region: spec.locality keeps the dots', () => {
    const [f] = fo204.run(snapshotFromYaml({cluster1: y(...base, we('vm', 'app', {}, {[LOC]: 'eu.central.1.zone-a'}))}));
    expect(f!.details).toMatchObject({suggested: 'eu.central.1/zone-a', knownRegion: 'eu.central.1'});
    expect(f!.remediation!.commands).toEqual([`kubectl --context cluster1 -n app patch workloadentry vm --type merge -p '{"spec":{"locality":"eu.central.1/zone-a"}}'`]);
  });

  it('label format in spec.locality: suggests the slash form', () => {
    const [f] = fo204.run(snapshotFromYaml({cluster1: y(...base, we('vm', 'app', {locality: 'us-east-1.us-east-1a'}))}));
    expect(f!.details).toMatchObject({issues: ['label-format-in-spec'], suggested: 'us-east-1/us-east-1a', region: 'us-east-1.us-east-1a'});
    expect(f!.message).toContain('no "/"');
  });

  it('regions known from another context count (the node of the dotted region may be in a peer cluster)', () => {
    const snap = snapshotFromYaml({cluster1: y(ns('app'), pod('a-0', 'app', {app: 'a', [LOC]: 'eu.central.1'})), cluster2: y(node('m1', 'eu.central.1', 'eu.central.1a'))});
    expect(keysOf(fo204.run(snap))).toEqual(['FO204 Pod app/a-0 @cluster1']);
  });
});
