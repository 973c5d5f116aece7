import {describe, expect, it} from 'vitest';
import {fo302} from '../../src/checks/fo302-ambient-policy-without-waypoint.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {OD, edit, seed000, seed004, waypointGateway, withLabels, y} from './lib/fo2xx-seeds.js';

const noWaypoint = {useWaypoint: undefined};

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'seed 000 done right (Service labelled istio.io/use-waypoint=waypoint) → nothing',
    contexts: {cluster1: y(...seed000('cluster1')), cluster2: y(...seed000('cluster2'))},
    expect: [],
  },
  {
    name: 'seed 000 without the use-waypoint label → error on the Service in each cluster',
    contexts: {cluster1: y(...seed000('cluster1', noWaypoint)), cluster2: y(...seed000('cluster2', noWaypoint))},
    expect: ['FO302 Service sample/helloworld @cluster1', 'FO302 Service sample/helloworld @cluster2'],
  },
  {
    name: 'bound through the namespace label → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, namespaceLabels: {'istio.io/use-waypoint': 'waypoint'}}))},
    expect: [],
  },
  {
    name: 'namespace bound, but the Service opts out with istio.io/use-waypoint=none → error',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: 'none', namespaceLabels: {'istio.io/use-waypoint': 'waypoint'}}))},
    expect: ['FO302 Service sample/helloworld @cluster1'],
  },
  {
    name: 'namespace opts out with none, Service unlabelled → error',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, namespaceLabels: {'istio.io/use-waypoint': 'none'}}))},
    expect: ['FO302 Service sample/helloworld @cluster1'],
  },
  {
    name: 'bound to a waypoint that does not exist → not FO302 (FO303 reports it)',
    contexts: {cluster1: y(...seed000('cluster1', {useWaypoint: 'missing'}))},
    expect: [],
  },
  {
    name: 'DestinationRule with only outlierDetection → error',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, dr: {outlierDetection: OD}}))},
    expect: ['FO302 Service sample/helloworld @cluster1'],
  },
  {
    name: 'DestinationRule with outlierDetection only at port level → error',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, dr: {portLevelSettings: [{port: {number: 5000}, outlierDetection: OD}]}}))},
    expect: ['FO302 Service sample/helloworld @cluster1'],
  },
  {
    name: 'DestinationRule with only tls/connectionPool → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, dr: {connectionPool: {tcp: {maxConnections: 10}}, tls: {mode: 'ISTIO_MUTUAL'}}}))},
    expect: [],
  },
  {
    name: 'DestinationRule localityLbSetting enabled: false only → nothing (nothing lost)',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, dr: {loadBalancer: {localityLbSetting: {enabled: false}}}}))},
    expect: [],
  },
  {
    name: 'no DestinationRule → nothing',
    contexts: {cluster1: y(...seed000('cluster1', {...noWaypoint, dr: null}))},
    expect: [],
  },
  {
    name: 'sidecar namespace (seed 004) → nothing: sidecars apply the DestinationRule themselves',
    contexts: {cluster1: y(...seed004())},
    expect: [],
  },
];

describe('FO302 ambient-policy-without-waypoint', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo302.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('error');
        expect(f.remediation?.commands.length).toBeGreaterThan(0);
      }
    });
  }

  it('with a waypoint in the namespace: label the Service with it (a patch of the Service)', () => {
    const [f] = fo302.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', noWaypoint))}));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 -n sample label service helloworld istio.io/use-waypoint=waypoint --overwrite']);
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {metadata: {labels: {'istio.io/use-waypoint': 'waypoint'}}}});
    expect(f!.details).toMatchObject({destinationRule: 'sample/helloworld', existingWaypoints: ['waypoint'], global: true});
    expect(f!.message).toMatch(/ztunnel ignores DestinationRules/);
  });

  it('prefers a waypoint that takes service traffic; a workload-only one is not offered', () => {
    const objs = [
      ...edit(seed000('cluster1', noWaypoint), 'Gateway', 'waypoint', withLabels({'istio.io/waypoint-for': 'workload'})),
      waypointGateway('svc-wp', 'sample'),
    ];
    const [f] = fo302.run(snapshotFromYaml({cluster1: y(...objs)}));
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster1 -n sample label service helloworld istio.io/use-waypoint=svc-wp --overwrite');
  });

  it('without a waypoint: create it first, then label; global service → label the waypoint Service global too', () => {
    const [f] = fo302.run(snapshotFromYaml({cluster1: y(...seed000('cluster1', {...noWaypoint, gateway: false}))}));
    expect(f!.remediation!.commands).toEqual([
      'istioctl --context cluster1 waypoint apply -n sample --name waypoint --for service --wait',
      'kubectl --context cluster1 -n sample label service helloworld istio.io/use-waypoint=waypoint --overwrite',
      'kubectl --context cluster1 -n sample label service waypoint istio.io/global=true --overwrite',
    ]);
    expect(f!.remediation!.patch).toBeUndefined();
  });
});
