import {describe, expect, it} from 'vitest';
import {fo303} from '../../src/checks/fo303-waypoint-not-found.js';
import {buildContext, buildSnapshot} from '../../src/model/snapshot.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {namespace, seed000, seed004, waypointGateway, y} from './lib/fo2xx-seeds.js';

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'seed 000 done right → nothing',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2'))},
    expect: [],
  },
  {
    name: 'Service label names a waypoint that does not exist → error on the Service',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: 'wp-missing'}))},
    expect: ['FO303 Service sample/helloworld @cluster1'],
  },
  {
    name: 'waypoint Gateway deleted in cluster2 only → error in cluster2 only',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2', {gateway: false}))},
    expect: ['FO303 Service sample/helloworld @cluster2'],
  },
  {
    name: 'Namespace label names a missing waypoint → error on the Namespace (not on each Service)',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: undefined, namespaceLabels: {'istio.io/use-waypoint': 'ns-wp'}}))},
    expect: ['FO303 Namespace sample @cluster1'],
  },
  {
    name: 'istio.io/use-waypoint=none → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: 'none', namespaceLabels: {'istio.io/use-waypoint': 'none'}}))},
    expect: [],
  },
  {
    name: 'use-waypoint-namespace names the namespace where the waypoint exists → nothing',
    contexts: {
      cluster1: y(
        ...seed000('cluster1', {useWaypoint: undefined, namespaceLabels: {'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra'}}),
        namespace('infra'),
        waypointGateway('shared', 'infra'),
      ),
    },
    expect: [],
  },
  {
    name: 'use-waypoint-namespace names a namespace without it (it exists in the Service\'s own) → error',
    contexts: {
      cluster1: y(
        ...seed000('cluster1').map((o) =>
          o.kind === 'Service' && o.metadata.name === 'helloworld' ? {...o, metadata: {...o.metadata, labels: {...o.metadata.labels, 'istio.io/use-waypoint-namespace': 'infra'}}} : o,
        ),
        namespace('infra'),
      ),
    },
    expect: ['FO303 Service sample/helloworld @cluster1'],
  },
  {
    name: 'a Gateway of another class with that name counts (Istio accepts any class as a waypoint) → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {gateway: false}), waypointGateway('waypoint', 'sample', {cls: 'istio'}))},
    expect: [],
  },
  {
    name: 'no istio.io/use-waypoint anywhere (seed 004, sidecars) → nothing',
    contexts: {cluster1: y(...seed004())},
    expect: [],
  },
];

describe('FO303 waypoint-not-found', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo303.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('error');
        expect(f.remediation?.commands.length).toBeGreaterThan(0);
      }
    });
  }

  it('a mistyped name: suggests the existing waypoint (relabel first, with its patch) and offers to create the named one', () => {
    const [f] = fo303.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {useWaypoint: 'waypont'}))}));
    expect(f!.details).toMatchObject({waypoint: 'waypont', waypointNamespace: 'sample', via: 'service', suggested: 'waypoint', services: ['sample/helloworld']});
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster1 -n sample label service helloworld istio.io/use-waypoint=waypoint --overwrite',
      'istioctl --context cluster1 waypoint apply -n sample --name waypont --for service --wait',
    ]);
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {metadata: {labels: {'istio.io/use-waypoint': 'waypoint'}}}});
  });

  it('no waypoint in the namespace: create the one the label names; a Namespace carrier lists the services it binds', () => {
    const [f] = fo303.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {gateway: false, useWaypoint: undefined, namespaceLabels: {'istio.io/use-waypoint': 'waypoint'}}))}));
    expect(f!.object).toEqual({apiVersion: 'v1', kind: 'Namespace', name: 'sample'});
    expect(f!.remediation!.commands).toEqual(['istioctl --context cluster1 waypoint apply -n sample --name waypoint --for service --wait']);
    expect(f!.details).toMatchObject({via: 'namespace', services: ['sample/curl', 'sample/helloworld']});
  });

  it('says so when the Gateway API CRDs are not installed', () => {
    const s = snapshotFromYaml({cluster1: y(...seed000('cluster1', {gateway: false}))});
    const c = s.contexts[0]!;
    const ctx = buildContext({name: c.name, objects: c.objects, notInstalled: ['Gateway']});
    const [f] = fo303.run(buildSnapshot([ctx]));
    expect(f!.message).toMatch(/Gateway API CRDs are not installed/);
    expect(f!.details).toMatchObject({gatewayApiInstalled: false});
  });
});
