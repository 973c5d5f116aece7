import {describe, expect, it} from 'vitest';
import {fo404} from '../../src/checks/fo404-destination-rule-drift.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {HELLOWORLD_DR, seed000, seed000Pair} from './fo40-fixtures.js';

const DR_STRICTER = HELLOWORLD_DR.replace('consecutive5xxErrors: 1', 'consecutive5xxErrors: 5\n      maxEjectionPercent: 100');
const DR_RENAMED = HELLOWORLD_DR.replace('{name: helloworld, namespace: sample}', '{name: helloworld-failover, namespace: sample, labels: {team: a}, annotations: {note: x}}');
const DR_SHORT_HOST = HELLOWORLD_DR.replace('host: helloworld.sample.svc.cluster.local', 'host: helloworld');

/** A remote cluster of a primary-remote mesh: Deployments, but no istiod. */
const remote = (extra = '') => `apiVersion: v1
kind: Namespace
metadata: {name: sample, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: helloworld-v2, namespace: sample}
spec: {template: {spec: {containers: [{name: helloworld}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample}
spec: {selector: {app: helloworld}, ports: [{port: 5000}]}
${extra}`;

const EXTERNAL_SE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: sample}
spec: {hosts: [payments.example.com], ports: [{number: 443, name: https, protocol: HTTPS}], resolution: DNS, location: MESH_EXTERNAL}`;
const EXTERNAL_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments, namespace: sample}
spec: {host: payments.example.com, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3}}}`;

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right: the same DestinationRule in both primaries', contexts: seed000Pair(), expect: []},
  {name: 'specs differ', contexts: seed000Pair({}, {dr: DR_STRICTER}), expect: ['FO404 DestinationRule sample/helloworld @cluster2']},
  {name: 'missing in cluster2, which runs helloworld', contexts: seed000Pair({}, {dr: ''}), expect: ['FO404 DestinationRule sample/helloworld @cluster2']},
  {name: 'missing in cluster2, which does not run helloworld: cluster-local, fine', contexts: seed000Pair({}, {dr: '', noHelloworld: true}), expect: []},
  {name: 'same spec under another name, labels and annotations: no drift', contexts: seed000Pair({}, {dr: DR_RENAMED}), expect: []},
  {name: 'short host and FQDN resolve to the same host', contexts: seed000Pair({}, {dr: DR_SHORT_HOST}), expect: []},
  {name: 'cluster2 is a remote (no istiod): it legitimately has no DestinationRule', contexts: {cluster1: seed000('cluster1', 'network1'), cluster2: remote()}, expect: []},
  {name: 'a rule in a remote is not compared either', contexts: {cluster1: seed000('cluster1', 'network1'), cluster2: remote(`---\n${DR_STRICTER}`)}, expect: []},
  {name: 'a context whose Deployments were not read at all is not judged', contexts: {cluster1: seed000('cluster1', 'network1'), cluster2: 'apiVersion: v1\nkind: Service\nmetadata: {name: helloworld, namespace: sample}\nspec: {ports: [{port: 5000}]}'}, expect: []},
  {
    name: 'three primaries, the odd one out is reported even when it comes first',
    contexts: {cluster1: seed000('cluster1', 'network1', {dr: DR_STRICTER}), cluster2: seed000('cluster2', 'network2'), cluster3: seed000('cluster3', 'network3')},
    expect: ['FO404 DestinationRule sample/helloworld @cluster1'],
  },
  {
    name: 'external host: rule missing where the ServiceEntry exists',
    contexts: seed000Pair({extra: `${EXTERNAL_SE}\n---\n${EXTERNAL_DR}`}, {extra: EXTERNAL_SE}),
    expect: ['FO404 DestinationRule sample/payments @cluster2'],
  },
  {
    name: 'different mesh IDs are different meshes',
    contexts: seed000Pair({mesh: 'defaultConfig: {meshId: mesh-a}\n', dr: DR_STRICTER}, {mesh: 'defaultConfig: {meshId: mesh-b}\n'}),
    expect: [],
  },
];

describe('FO404 destination-rule-drift', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo404.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('differs: names the paths and patches the spec to the reference with a minimal merge patch', () => {
    const [f] = fo404.run(snapshotFromYaml(seed000Pair({}, {dr: DR_STRICTER})));
    expect(f!.details).toMatchObject({
      reference: 'cluster1',
      differingPaths: ['spec.trafficPolicy.outlierDetection.consecutive5xxErrors', 'spec.trafficPolicy.outlierDetection.maxEjectionPercent'],
    });
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, maxEjectionPercent: null}}}}});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster2 -n sample patch destinationrule helloworld --type merge -p '{"spec":{"trafficPolicy":{"outlierDetection":{"maxEjectionPercent":null,"consecutive5xxErrors":1}}}}'`,
    ]);
  });

  it('missing: applies the reference rule in the context that lacks it', () => {
    const [f] = fo404.run(snapshotFromYaml(seed000Pair({}, {dr: ''})));
    expect(f!.remediation!.commands).toHaveLength(1);
    expect(f!.remediation!.commands[0]).toMatch(/^kubectl --context cluster2 apply -f - <<'EOF'\napiVersion: networking.istio.io\/v1\nkind: DestinationRule\n[\s\S]*failoverPriority:\n[\s\S]*EOF$/);
  });
});
