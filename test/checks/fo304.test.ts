import {describe, expect, it} from 'vitest';
import {fo304} from '../../src/checks/fo304-waypoint-not-ready.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {deployment, edit, namespace, seed000, seed004, waypointGateway, y} from './lib/fo2xx-seeds.js';

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'seed 000 done right (waypoint 1/1, Gateway Programmed) → nothing',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2'))},
    expect: [],
  },
  {
    name: 'waypoint Deployment 0/1 available (Gateway programmed) → error on the Deployment, the part that fails',
    contexts: {cluster1: y(...seed000('cluster1', {waypointAvailable: 0}))},
    expect: ['FO304 Deployment sample/waypoint @cluster1'],
  },
  {
    name: 'waypoint scaled to 0 → error',
    contexts: {cluster1: y(...seed000('cluster1', {waypointReplicas: 0, waypointAvailable: 0}))},
    expect: ['FO304 Deployment sample/waypoint @cluster1'],
  },
  {
    name: 'Gateway Programmed=False → error',
    contexts: {cluster1: y(...seed000('cluster1', {programmed: 'False'}))},
    expect: ['FO304 Gateway sample/waypoint @cluster1'],
  },
  {
    name: 'Gateway and Deployment without status (hand-written manifests) → nothing',
    contexts: {
      cluster1: y(...edit(seed000('cluster1', {programmed: null}), 'Deployment', 'waypoint', () => deployment('waypoint', 'sample', 1, undefined, {status: false}))),
    },
    expect: [],
  },
  {
    name: 'waypoint Deployment missing while other Deployments were read → error on the Gateway (nothing else to point at)',
    contexts: {cluster1: y(...edit(seed000('cluster1'), 'Deployment', 'waypoint', () => undefined))},
    expect: ['FO304 Gateway sample/waypoint @cluster1'],
  },
  {
    name: 'no Deployment read at all in the context (hand-written bundle) → nothing',
    contexts: {cluster1: y(...seed000('cluster1').filter((o) => o.kind !== 'Deployment'))},
    expect: [],
  },
  {
    name: 'unready waypoint that nothing is bound to → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: undefined, waypointAvailable: 0}))},
    expect: [],
  },
  {
    name: 'bound both by the Namespace and the Service → one finding for the waypoint',
    contexts: {cluster1: y(...seed000('cluster1', {waypointAvailable: 0, namespaceLabels: {'istio.io/use-waypoint': 'waypoint'}}))},
    expect: ['FO304 Deployment sample/waypoint @cluster1'],
  },
  {
    name: 'waypoint of a non-Istio class (its Deployment unknown), Programmed → nothing',
    contexts: {
      cluster1: y(...seed000('cluster1', {gateway: false, waypointAvailable: 0}), waypointGateway('waypoint', 'sample', {cls: 'kgateway-waypoint'})),
    },
    expect: [],
  },
  {
    name: 'waypoint in another namespace (use-waypoint-namespace), its Deployment unavailable → error on that Deployment',
    contexts: {
      cluster1: y(
        ...seed000('cluster1', {useWaypoint: undefined, namespaceLabels: {'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra'}}),
        namespace('infra'),
        waypointGateway('shared', 'infra'),
        deployment('shared', 'infra', 2, undefined),
      ),
    },
    expect: ['FO304 Deployment infra/shared @cluster1'],
  },
  {
    name: 'sidecar mesh without waypoints (seed 004) → nothing',
    contexts: {cluster1: y(...seed004())},
    expect: [],
  },
];

describe('FO304 waypoint-not-ready', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo304.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('error');
        expect(f.remediation?.commands.length).toBeGreaterThan(1);
      }
    });
  }

  it('0/1: rollout status, describe, pods and Gateway; names the services bound', () => {
    const [f] = fo304.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {waypointAvailable: 0}))}));
    expect(f!.message).toMatch(/0\/1 replicas available/);
    expect(f!.details).toMatchObject({waypoint: 'waypoint', deployment: 'waypoint', services: ['sample/helloworld'], boundBy: ['Service sample/helloworld']});
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster1 -n sample rollout status deployment/waypoint --timeout=30s',
      'kubectl --context cluster1 -n sample describe deployment waypoint',
      'kubectl --context cluster1 -n sample get pods -l gateway.networking.k8s.io/gateway-name=waypoint -o wide',
      'kubectl --context cluster1 -n sample describe gateways.gateway.networking.k8s.io waypoint',
    ]);
  });

  it('scaled to 0: the first command scales it back', () => {
    const [f] = fo304.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {waypointReplicas: 0, waypointAvailable: 0}))}));
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster1 -n sample scale deployment/waypoint --replicas=1');
    expect(f!.message).toMatch(/scaled to 0/);
  });

  it('not Programmed: the condition reason and message are in the finding', () => {
    const [f] = fo304.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {programmed: 'False'}))}));
    expect(f!.message).toMatch(/Programmed=False \(Invalid: Failed to deploy\)/);
  });

  it('the gateway.istio.io/name-override annotation names the Deployment', () => {
    const objs = edit(seed000('cluster1'), 'Gateway', 'waypoint', (g) => ({...g, metadata: {...g.metadata, annotations: {'gateway.istio.io/name-override': 'wp-custom'}}}));
    const [f] = fo304.run(snapshotFromYaml({cluster1: y(...objs)}));
    expect(f!.details).toMatchObject({deployment: 'wp-custom'});
    expect(keysOf(fo304.run(snapshotFromYaml({cluster1: y(...objs, deployment('wp-custom', 'sample', 1, 1))})))).toEqual([]);
  });
});
