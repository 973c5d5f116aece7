import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo503} from '../../src/checks/fo503-service-entry-endpoints-without-locality.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');

const OD = {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'};
const EAST = {address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1'};
const WEST = {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west'};
const bare = (e: {address: string}): O => ({address: e.address});

/** Seed 002: GKE node in us-east1 (beta labels only), sleep client, the ServiceEntry and (optionally) its DestinationRule. */
function seed002(opts: {
  endpoints?: O[];
  trafficPolicy?: O | null;
  drNs?: string;
  resolution?: string;
  apiVersion?: string;
  extra?: O[];
  seExtra?: O;
}): string {
  const api = opts.apiVersion ?? 'networking.istio.io/v1beta1';
  const docs: O[] = [
    {apiVersion: 'v1', kind: 'Node', metadata: {name: 'gke-1', labels: {'failure-domain.beta.kubernetes.io/region': 'us-east1', 'failure-domain.beta.kubernetes.io/zone': 'us-east1-b'}}},
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'default', labels: {'istio-injection': 'enabled'}}},
    {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'sleep-1', namespace: 'default', labels: {app: 'sleep'}}, spec: {nodeName: 'gke-1', containers: [{name: 'sleep'}, {name: 'istio-proxy'}]}},
    {
      apiVersion: api,
      kind: 'ServiceEntry',
      metadata: {name: 'external-svc-dns', namespace: 'default'},
      spec: {
        hosts: ['mydb.com'],
        location: 'MESH_EXTERNAL',
        ports: [{number: 80, name: 'http', protocol: 'HTTP'}],
        resolution: opts.resolution ?? 'DNS',
        ...(opts.endpoints ? {endpoints: opts.endpoints} : {}),
        ...(opts.seExtra ?? {}),
      },
    },
  ];
  if (opts.trafficPolicy !== null) {
    docs.push({
      apiVersion: api,
      kind: 'DestinationRule',
      metadata: {name: 'mydynamodb', namespace: opts.drNs ?? 'default'},
      spec: {host: 'mydb.com', trafficPolicy: opts.trafficPolicy ?? {outlierDetection: OD}},
    });
  }
  return y(...docs, ...(opts.extra ?? []));
}

const KEY = 'FO503 ServiceEntry default/external-svc-dns @cluster1';

const cases: {name: string; yaml: string; expect: string[]}[] = [
  {name: 'seed 002 done right: both endpoints have a locality → nothing', yaml: seed002({endpoints: [EAST, WEST]}), expect: []},
  {name: 'seed 002 without any locality, DR with outlierDetection → warning', yaml: seed002({endpoints: [bare(EAST), bare(WEST)]}), expect: [KEY]},
  {name: 'one of two endpoints without locality → warning', yaml: seed002({endpoints: [EAST, bare(WEST)]}), expect: [KEY]},
  {name: 'v1 objects → warning', yaml: seed002({endpoints: [EAST, bare(WEST)], apiVersion: 'networking.istio.io/v1'}), expect: [KEY]},
  {name: 'no DestinationRule: no outlier detection, no failover → locality LB not in effect → nothing', yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: null}), expect: []},
  {
    name: 'DR with failover rules but no outlierDetection ("failover set") → warning',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}}}}),
    expect: [KEY],
  },
  {
    name: 'DR with only connectionPool (no OD, no failover) → nothing',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {connectionPool: {tcp: {maxConnections: 10}}}}),
    expect: [],
  },
  {
    name: 'localityLbSetting enabled: false with OD → locality LB off → nothing',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {outlierDetection: OD, loadBalancer: {localityLbSetting: {enabled: false}}}}),
    expect: [],
  },
  {name: 'DR in the root namespace (istio-system) applies → warning', yaml: seed002({endpoints: [bare(EAST), bare(WEST)], drNs: 'istio-system'}), expect: [KEY]},
  {name: 'DR in an unrelated namespace does not apply → nothing', yaml: seed002({endpoints: [bare(EAST), bare(WEST)], drNs: 'other'}), expect: []},
  {
    name: 'port-level entry for port 80 without OD replaces the top-level OD → nothing',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 80}, connectionPool: {tcp: {maxConnections: 10}}}]}}),
    expect: [],
  },
  {
    name: 'OD only at port level for port 80 → warning',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {portLevelSettings: [{port: {number: 80}, outlierDetection: OD}]}}),
    expect: [KEY],
  },
  {
    name: 'OD only at port level for another port (443) → nothing for port 80',
    yaml: seed002({endpoints: [bare(EAST), bare(WEST)], trafficPolicy: {portLevelSettings: [{port: {number: 443}, outlierDetection: OD}]}}),
    expect: [],
  },
  {name: 'a single endpoint → nothing (nothing to order)', yaml: seed002({endpoints: [bare(EAST)]}), expect: []},
  {name: 'DNS without endpoints (the host itself) → nothing', yaml: seed002({}), expect: []},
  {name: 'resolution NONE (passthrough) → nothing', yaml: seed002({endpoints: [{address: '10.0.0.1'}, {address: '10.0.0.2'}], resolution: 'NONE'}), expect: []},
  {name: 'resolution DNS_ROUND_ROBIN → left to FO502', yaml: seed002({endpoints: [bare(EAST), bare(WEST)], resolution: 'DNS_ROUND_ROBIN'}), expect: []},
  {
    name: 'mesh config disables locality LB → nothing',
    yaml: seed002({
      endpoints: [bare(EAST), bare(WEST)],
      extra: [{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'localityLbSetting:\n  enabled: false\n'}}],
    }),
    expect: [],
  },
  {
    name: 'endpoints with a locality label instead of the field → nothing',
    yaml: seed002({endpoints: [{address: EAST.address, labels: {'istio-locality': 'us-east1'}}, {address: WEST.address, labels: {'topology.istio.io/locality': 'us-west.us-west-1a'}}]}),
    expect: [],
  },
  // ---- workloadSelector ----
  {
    name: 'WorkloadEntries selected by workloadSelector, one without locality → warning',
    yaml: seed002({
      seExtra: {workloadSelector: {labels: {app: 'db'}}},
      extra: [
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-east', namespace: 'default', labels: {app: 'db'}}, spec: {address: EAST.address, locality: 'us-east1'}},
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-west', namespace: 'default', labels: {app: 'db'}}, spec: {address: WEST.address}},
      ],
    }),
    expect: [KEY],
  },
  {
    name: 'WorkloadEntries selected by workloadSelector, all with locality → nothing',
    yaml: seed002({
      seExtra: {workloadSelector: {labels: {app: 'db'}}},
      extra: [
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-east', namespace: 'default', labels: {app: 'db'}}, spec: {address: EAST.address, locality: 'us-east1'}},
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-west', namespace: 'default', labels: {app: 'db', 'istio-locality': 'us-west'}}, spec: {address: WEST.address}},
      ],
    }),
    expect: [],
  },
  {
    name: 'STATIC ServiceEntry: a hostname WorkloadEntry without locality is dropped by Istio (FO501), the IP ones have localities → nothing',
    yaml: seed002({
      resolution: 'STATIC',
      seExtra: {workloadSelector: {labels: {app: 'db'}}},
      extra: [
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-1', namespace: 'default', labels: {app: 'db'}}, spec: {address: '10.0.0.1', locality: 'us-east1'}},
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-2', namespace: 'default', labels: {app: 'db'}}, spec: {address: '10.0.0.2', locality: 'us-west'}},
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-3', namespace: 'default', labels: {app: 'db'}}, spec: {address: 'db3.example.com'}},
      ],
    }),
    expect: [],
  },
];

describe('FO503 service-entry-endpoints-without-locality', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo503.run(snapshotFromYaml({cluster1: c.yaml})))).toEqual(c.expect);
    });
  }

  it('warning with the endpoints named, an edit command and a snippet with the locality to fill in', () => {
    const [f] = fo503.run(snapshotFromYaml({cluster1: seed002({endpoints: [EAST, bare(WEST)]})}));
    expect(f!.severity).toBe('warning');
    expect(f!.details).toMatchObject({endpoints: 2, withoutLocality: ['dynamodb.us-west-1.amazonaws.com'], ports: [80], destinationRule: 'default/mydynamodb'});
    expect(f!.message).toContain('outlierDetection in DestinationRule default/mydynamodb');
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 -n default edit serviceentry external-svc-dns']);
    expect(f!.remediation!.snippet).toContain('locality: <region>/<zone>');
    expect(f!.remediation!.snippet).toContain('locality: us-east1');
  });

  it('WorkloadEntry without locality: a patch command of that WorkloadEntry', () => {
    const [f] = fo503.run(
      snapshotFromYaml({
        cluster1: seed002({
          seExtra: {workloadSelector: {labels: {app: 'db'}}},
          extra: [
            {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-east', namespace: 'default', labels: {app: 'db'}}, spec: {address: EAST.address, locality: 'us-east1'}},
            {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'db-west', namespace: 'default', labels: {app: 'db'}}, spec: {address: WEST.address}},
          ],
        }),
      }),
    );
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n default patch workloadentry db-west --type merge -p '{"spec":{"locality":"<region>/<zone>"}}'`,
    ]);
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo503.meta.examples!;
    expect(fo503.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo503.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
