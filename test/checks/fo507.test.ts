import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo507} from '../../src/checks/fo507-tls-sni-san-mismatch.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');
const V1B1 = 'networking.istio.io/v1beta1';

const OD = {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'};
const EAST = 'dynamodb.us-east-1.amazonaws.com';
const WEST = 'dynamodb.us-west-1.amazonaws.com';
const LB = {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}};
const HTTP_TO_443 = {number: 80, name: 'http-port', protocol: 'HTTP', targetPort: 443};

function istiod(tag: string, env: Record<string, string> = {}): O {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'istiod', namespace: 'istio-system'},
    spec: {template: {spec: {containers: [{name: 'discovery', image: `docker.io/istio/pilot:${tag}`, env: Object.entries(env).map(([name, value]) => ({name, value}))}]}}},
  };
}

/** Seed 002's HTTPS ServiceEntry (host mydb.com, regional DynamoDB endpoints). */
function se(opts: {endpoints?: O[]; ports?: O[]; resolution?: string; apiVersion?: string; hosts?: string[]} = {}): O {
  return {
    apiVersion: opts.apiVersion ?? V1B1,
    kind: 'ServiceEntry',
    metadata: {name: 'external-svc-dns', namespace: 'default'},
    spec: {
      hosts: opts.hosts ?? ['mydb.com'],
      ports: opts.ports ?? [HTTP_TO_443],
      resolution: opts.resolution ?? 'DNS',
      endpoints: opts.endpoints ?? [
        {address: EAST, locality: 'us-east1'},
        {address: WEST, locality: 'us-west'},
      ],
    },
  };
}

function dr(trafficPolicy: O, opts: {ns?: string; subsets?: O[]; apiVersion?: string} = {}): O {
  return {
    apiVersion: opts.apiVersion ?? V1B1,
    kind: 'DestinationRule',
    metadata: {name: 'mydynamodb', namespace: opts.ns ?? 'default'},
    spec: {host: 'mydb.com', trafficPolicy, ...(opts.subsets ? {subsets: opts.subsets} : {})},
  };
}

/** Seed 002's HTTPS DestinationRule: tls SIMPLE without sni. */
const SEED_DR = {tls: {mode: 'SIMPLE'}, loadBalancer: LB, outlierDetection: OD};
const KEY = 'FO507 DestinationRule default/mydynamodb @cluster1';

const cases: {name: string; yaml: string; expect: string[]}[] = [
  {name: 'seed 002 HTTPS as written on Istio 1.22 → error', yaml: y(istiod('1.22.3'), se(), dr(SEED_DR)), expect: [KEY]},
  {name: 'seed 002 HTTPS, v1 objects, version unknown (newest assumed) → error', yaml: y(se({apiVersion: 'networking.istio.io/v1'}), dr(SEED_DR, {apiVersion: 'networking.istio.io/v1'})), expect: [KEY]},
  {name: 'subjectAltNames listing the endpoints → nothing', yaml: y(istiod('1.22.3'), se(), dr({...SEED_DR, tls: {mode: 'SIMPLE', subjectAltNames: [EAST, WEST]}})), expect: []},
  {name: 'a fixed sni → nothing (auto SNI/SAN off)', yaml: y(istiod('1.22.3'), se(), dr({...SEED_DR, tls: {mode: 'SIMPLE', sni: EAST}})), expect: []},
  {name: 'insecureSkipVerify → nothing (no verification)', yaml: y(istiod('1.22.3'), se(), dr({...SEED_DR, tls: {mode: 'SIMPLE', insecureSkipVerify: true}})), expect: []},
  {name: 'MUTUAL without sni → error', yaml: y(istiod('1.22.3'), se(), dr({tls: {mode: 'MUTUAL', credentialName: 'client-cert'}})), expect: [KEY]},
  {name: 'no TLS origination (seed 002 first DR, HTTP) → nothing', yaml: y(istiod('1.22.3'), se({ports: [{number: 80, name: 'http', protocol: 'HTTP'}]}), dr({outlierDetection: OD})), expect: []},
  {name: 'ISTIO_MUTUAL → nothing', yaml: y(istiod('1.22.3'), se(), dr({tls: {mode: 'ISTIO_MUTUAL'}})), expect: []},
  // ---- endpoint names ----
  {name: 'endpoints named like the host → nothing', yaml: y(istiod('1.22.3'), se({endpoints: [{address: 'mydb.com'}]}), dr(SEED_DR)), expect: []},
  {name: 'endpoints matched by a wildcard host → nothing', yaml: y(istiod('1.22.3'), se({hosts: ['*.amazonaws.com'], endpoints: [{address: EAST}]}), dr({tls: {mode: 'SIMPLE'}})), expect: []},
  {name: 'STATIC IP endpoints → nothing', yaml: y(istiod('1.22.3'), se({resolution: 'STATIC', endpoints: [{address: '52.119.226.80'}, {address: '52.94.12.144'}]}), dr(SEED_DR)), expect: []},
  {name: 'DNS without endpoints (the host itself) → nothing', yaml: y(istiod('1.22.3'), se({endpoints: []}), dr(SEED_DR)), expect: []},
  {name: 'trailing-dot endpoint name equal to the host → nothing', yaml: y(istiod('1.22.3'), se({endpoints: [{address: 'mydb.com.'}]}), dr(SEED_DR)), expect: []},
  // ---- ports ----
  {name: 'HTTPS port (the client\'s TLS, no auto SNI from a Host header) → nothing here (FO505 double TLS)', yaml: y(istiod('1.22.3'), se({ports: [{number: 443, name: 'https', protocol: 'HTTPS'}]}), dr(SEED_DR)), expect: []},
  {
    name: 'port-level tls SIMPLE for port 80 without sni → error',
    yaml: y(istiod('1.22.3'), se(), dr({outlierDetection: OD, portLevelSettings: [{port: {number: 80}, tls: {mode: 'SIMPLE'}}]})),
    expect: [KEY],
  },
  {
    name: 'top-level SIMPLE but the port-level entry for 80 sets subjectAltNames → nothing',
    yaml: y(istiod('1.22.3'), se(), dr({tls: {mode: 'SIMPLE'}, portLevelSettings: [{port: {number: 80}, tls: {mode: 'SIMPLE', subjectAltNames: [EAST, WEST]}}]})),
    expect: [],
  },
  {name: 'subset originating TLS without sni → error', yaml: y(istiod('1.22.3'), se(), dr({outlierDetection: OD}, {subsets: [{name: 'east', labels: {r: 'east'}, trafficPolicy: {tls: {mode: 'SIMPLE'}}}]})), expect: [KEY]},
  // ---- DR placement ----
  {name: 'DR in the root namespace → error', yaml: y(istiod('1.22.3'), se(), dr(SEED_DR, {ns: 'istio-system'})), expect: ['FO507 DestinationRule istio-system/mydynamodb @cluster1']},
  {name: 'DR in an unrelated namespace → nothing', yaml: y(istiod('1.22.3'), se(), dr(SEED_DR, {ns: 'other'})), expect: []},
  // ---- versions ----
  {name: 'ENABLE_AUTO_SNI=false on istiod (compatibilityVersion 1.20) → nothing', yaml: y(istiod('1.22.3', {ENABLE_AUTO_SNI: 'false'}), se(), dr(SEED_DR)), expect: []},
];

describe('FO507 tls-sni-san-mismatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo507.run(snapshotFromYaml({cluster1: c.yaml})))).toEqual(c.expect);
    });
  }

  it('Istio 1.22: error, version in the message, patch with the endpoint names as subjectAltNames', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(istiod('1.22.3'), se(), dr(SEED_DR))}));
    expect(f!.severity).toBe('error');
    expect(f!.message).toContain('Istio 1.22.3');
    expect(f!.message).toContain('1.21');
    expect(f!.details).toMatchObject({host: 'mydb.com', endpointNames: [EAST, WEST], ports: [80], istioVersion: '1.22.3'});
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {trafficPolicy: {tls: {subjectAltNames: [EAST, WEST]}}}}});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n default patch destinationrule mydynamodb --type merge -p '{"spec":{"trafficPolicy":{"tls":{"subjectAltNames":["${EAST}","${WEST}"]}}}}'`,
    ]);
    expect(f!.remediation!.summary).toContain('fixed sni');
  });

  it('Istio 1.20: warning, auto-SAN may be off', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(istiod('1.20.8'), se(), dr(SEED_DR))}));
    expect(f!.severity).toBe('warning');
    expect(f!.message).toContain('may be off');
  });

  it('Istio 1.20 with ENABLE_AUTO_SNI=true: error', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(istiod('1.20.8', {ENABLE_AUTO_SNI: 'true'}), se(), dr(SEED_DR))}));
    expect(f!.severity).toBe('error');
  });

  it('unknown version: error, and the message says the newest behaviour is assumed', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(se(), dr(SEED_DR))}));
    expect(f!.severity).toBe('error');
    expect(f!.message).toContain('version unknown');
  });

  it('port-level tls: the patch rewrites that portLevelSettings entry', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(istiod('1.22.3'), se(), dr({outlierDetection: OD, portLevelSettings: [{port: {number: 80}, tls: {mode: 'SIMPLE'}}]}))}));
    expect(f!.remediation!.patch).toEqual({
      type: 'merge',
      body: {spec: {trafficPolicy: {portLevelSettings: [{port: {number: 80}, tls: {mode: 'SIMPLE', subjectAltNames: [EAST, WEST]}}]}}},
    });
  });

  it('an IP endpoint beside named ones: the host joins the subjectAltNames', () => {
    const [f] = fo507.run(snapshotFromYaml({cluster1: y(istiod('1.22.3'), se({endpoints: [{address: EAST}, {address: '52.94.12.144'}]}), dr(SEED_DR))}));
    expect(f!.details).toMatchObject({subjectAltNames: [EAST, 'mydb.com']});
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo507.meta.examples!;
    expect(fo507.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo507.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
