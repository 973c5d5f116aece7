import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo504} from '../../src/checks/fo504-service-entry-locality-unmatched.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');

const OD = {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'};
const ep = (address: string, locality?: string): O => ({address, ...(locality !== undefined ? {locality} : {})});
const EAST = 'dynamodb.us-east-1.amazonaws.com';
const WEST = 'dynamodb.us-west-1.amazonaws.com';
/** Seed 002's first DestinationRule (outlier detection only) and its HTTPS one (tls + failover us-east1 → us-west). */
const DR_OD = {outlierDetection: OD};
const DR_HTTPS = {tls: {mode: 'SIMPLE'}, loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}}, outlierDetection: OD};

function node(name: string, region: string, beta = true): O {
  const labels = beta
    ? {'failure-domain.beta.kubernetes.io/region': region, 'failure-domain.beta.kubernetes.io/zone': `${region}-b`}
    : {'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': `${region}-b`};
  return {apiVersion: 'v1', kind: 'Node', metadata: {name, labels}};
}

function pod(name: string, ns: string, nodeName: string, sidecar = true): O {
  return {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: ns}, spec: {nodeName, containers: [{name: 'app'}, ...(sidecar ? [{name: 'istio-proxy'}] : [])]}};
}

function se(endpoints: O[], opts: {ns?: string; apiVersion?: string; resolution?: string} = {}): O {
  return {
    apiVersion: opts.apiVersion ?? 'networking.istio.io/v1beta1',
    kind: 'ServiceEntry',
    metadata: {name: 'external-svc-dns', namespace: opts.ns ?? 'default'},
    spec: {hosts: ['mydb.com'], location: 'MESH_EXTERNAL', ports: [{number: 80, name: 'http', protocol: 'HTTP'}], resolution: opts.resolution ?? 'DNS', endpoints},
  };
}

function dr(trafficPolicy: O, ns = 'default', apiVersion = 'networking.istio.io/v1beta1'): O {
  return {apiVersion, kind: 'DestinationRule', metadata: {name: 'mydynamodb', namespace: ns}, spec: {host: 'mydb.com', trafficPolicy}};
}

/** Seed 002: GKE nodes in us-east1 (beta labels only), the sleep client in default. */
function seed002(endpoints: O[], trafficPolicy: O | null, extra: O[] = []): string {
  return y(
    node('gke-1', 'us-east1'),
    node('gke-2', 'us-east1'),
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'default', labels: {'istio-injection': 'enabled'}}},
    pod('sleep-1', 'default', 'gke-1'),
    se(endpoints),
    ...(trafficPolicy ? [dr(trafficPolicy)] : []),
    ...extra,
  );
}

const KEY = 'FO504 ServiceEntry default/external-svc-dns @cluster1';

const cases: {name: string; yaml: string; expect: string[]; clientNamespaces?: string[]}[] = [
  // ---- seed 002 ----
  {name: 'seed 002: nodes us-east1 (beta labels), endpoints us-east1 + us-west, DR outlierDetection → nothing', yaml: seed002([ep(EAST, 'us-east1'), ep(WEST, 'us-west')], DR_OD), expect: []},
  {name: 'seed 002 HTTPS DR (failover us-east1 → us-west) → nothing', yaml: seed002([ep(EAST, 'us-east1'), ep(WEST, 'us-west')], DR_HTTPS), expect: []},
  {name: 'endpoint locality us-east-1 (AWS spelling), nodes us-east1, outlier detection only → warning', yaml: seed002([ep(EAST, 'us-east-1'), ep(WEST, 'us-west')], DR_OD), expect: [KEY]},
  {
    name: 'us-east-1 spelling with the HTTPS DR: us-west (the failover target) is preferred over the "remote" us-east-1 → warning',
    yaml: seed002([ep(EAST, 'us-east-1'), ep(WEST, 'us-west')], DR_HTTPS),
    expect: [KEY],
  },
  {name: 'v1 objects with zones in the locality: us-east-1/us-east-1a vs nodes us-east1 → warning', yaml: seed002([ep(EAST, 'us-east-1/us-east-1a'), ep(WEST, 'us-west')], DR_OD), expect: [KEY]},
  // ---- no match, failover rules ----
  {name: 'no endpoint in us-east1, no failover rule → warning', yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], DR_OD), expect: [KEY]},
  {
    name: 'no endpoint in us-east1, failover us-east1 → us-west1 (an endpoint region) → nothing',
    yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {...DR_OD, loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'us-west1'}]}}}),
    expect: [],
  },
  {
    name: 'failover us-east1 → asia-east1 (no endpoint there) → warning',
    yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {...DR_OD, loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'asia-east1'}]}}}),
    expect: [KEY],
  },
  {
    name: 'only the first rule with from us-east1 counts: [→ asia-east1, → us-west1] → warning',
    yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {...DR_OD, loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'asia-east1'}, {from: 'us-east1', to: 'us-west1'}]}}}),
    expect: [KEY],
  },
  {
    name: 'failover rules from the mesh config (no DR localityLbSetting) → nothing',
    yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], DR_OD, [
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'localityLbSetting:\n  enabled: true\n  failover:\n  - from: us-east1\n    to: us-west1\n'}},
    ]),
    expect: [],
  },
  // ---- not in effect / nothing to prefer ----
  {name: 'no DestinationRule (no OD, no failover) → nothing', yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], null), expect: []},
  {name: 'all endpoints in one region (not the client\'s): nothing to prefer → nothing', yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'eu-west1/eu-west1-c')], DR_OD), expect: []},
  {name: 'distribute in use → left to FO108 → nothing', yaml: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {...DR_OD, loadBalancer: {localityLbSetting: {distribute: [{from: 'us-east1/*', to: {'eu-west1/*': 100}}]}}}), expect: []},
  {name: 'resolution DNS_ROUND_ROBIN → left to FO502', yaml: y(node('gke-1', 'us-east1'), se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {resolution: 'DNS_ROUND_ROBIN'}), dr(DR_OD)), expect: []},
  {name: 'DR in the root namespace applies → warning', yaml: y(node('gke-1', 'us-east1'), se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')]), dr(DR_OD, 'istio-system')), expect: [KEY]},
  {name: 'DR in an unrelated namespace does not apply → nothing', yaml: y(node('gke-1', 'us-east1'), se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')]), dr(DR_OD, 'elsewhere')), expect: []},
  // ---- client regions ----
  {
    name: 'the only sidecar client runs in us-west1 (an endpoint region): the us-east1 node hosts no client → nothing',
    yaml: y(node('east', 'us-east1', false), node('west', 'us-west1', false), pod('sleep-1', 'default', 'west'), pod('batch', 'default', 'east', false), se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')]), dr(DR_OD)),
    expect: [],
  },
  {
    name: 'no client pod known: every node region counts, us-east1 has no endpoint → warning',
    yaml: y(node('east', 'us-east1', false), node('west', 'us-west1', false), se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')]), dr(DR_OD)),
    expect: [KEY],
  },
  {
    name: 'ServiceEntry in istio-system, clients from --client-namespace default run in us-east1 → warning',
    yaml: y(node('east', 'us-east1', false), node('west', 'us-west1', false), pod('sleep-1', 'default', 'east'), pod('istiod-1', 'istio-system', 'west', false),
      se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {ns: 'istio-system'}), dr(DR_OD, 'istio-system')),
    clientNamespaces: ['default'],
    expect: ['FO504 ServiceEntry istio-system/external-svc-dns @cluster1'],
  },
  {
    name: 'ServiceEntry in istio-system, clients from --client-namespace default run in us-west1 → nothing',
    yaml: y(node('east', 'us-east1', false), node('west', 'us-west1', false), pod('sleep-1', 'default', 'west'), pod('istiod-1', 'istio-system', 'east', false),
      se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')], {ns: 'istio-system'}), dr(DR_OD, 'istio-system')),
    clientNamespaces: ['default'],
    expect: [],
  },
];

describe('FO504 service-entry-locality-unmatched', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo504.run(snapshotFromYaml({cluster1: c.yaml}, c.clientNamespaces ? {clientNamespaces: c.clientNamespaces} : {})))).toEqual(c.expect);
    });
  }

  it('misspelled region: a merge patch of the ServiceEntry endpoints with the nodes\' spelling', () => {
    const [f] = fo504.run(snapshotFromYaml({cluster1: seed002([ep(EAST, 'us-east-1/us-east-1a'), ep(WEST, 'us-west')], DR_OD)}));
    expect(f!.severity).toBe('warning');
    expect(f!.details).toMatchObject({clientRegions: ['us-east1'], clientRegionsFrom: 'clients', unmatched: [{region: 'us-east1', spelledAs: 'us-east-1'}]});
    expect(f!.remediation!.patch).toEqual({
      type: 'merge',
      body: {spec: {endpoints: [{address: EAST, locality: 'us-east1/us-east-1a'}, {address: WEST, locality: 'us-west'}]}},
    });
    expect(f!.remediation!.commands[0]).toContain('patch serviceentry external-svc-dns --type merge');
    expect(f!.message).toContain('us-east-1 looks like us-east1');
  });

  it('no match and no rule: a failover rule patch of the DestinationRule (existing rules kept)', () => {
    const tp = {...DR_OD, loadBalancer: {localityLbSetting: {failover: [{from: 'eu-west1', to: 'us-west1'}]}}};
    const [f] = fo504.run(snapshotFromYaml({cluster1: seed002([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1'), ep('dynamodb.us-west-2.amazonaws.com', 'us-west1')], tp)}));
    expect(f!.remediation!.patch).toBeUndefined(); // the flagged object is the ServiceEntry
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n default patch destinationrule mydynamodb --type merge -p '{"spec":{"trafficPolicy":{"loadBalancer":{"localityLbSetting":{"failover":[{"from":"eu-west1","to":"us-west1"},{"from":"us-east1","to":"us-west1"}]}}}}}'`,
    ]);
  });

  it('failover from the mesh only, no DestinationRule localityLbSetting and no DR: a DestinationRule snippet', () => {
    const yaml = y(
      node('gke-1', 'us-east1'),
      se([ep(EAST, 'eu-west1'), ep(WEST, 'us-west1')]),
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: 'localityLbSetting:\n  enabled: true\n  failover:\n  - from: asia-east1\n    to: us-west1\n'}},
    );
    const [f] = fo504.run(snapshotFromYaml({cluster1: yaml}));
    expect(f).toBeDefined();
    expect(f!.details).toMatchObject({clientRegionsFrom: 'nodes'});
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 -n default apply -f -']);
    expect(f!.remediation!.snippet).toContain('kind: DestinationRule');
    expect(f!.remediation!.snippet).toContain('from: us-east1');
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo504.meta.examples!;
    expect(fo504.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo504.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
