import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo505} from '../../src/checks/fo505-tls-origination-mismatch.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');
const V1B1 = 'networking.istio.io/v1beta1';

const OD = {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'};
const ENDPOINTS = [
  {address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1'},
  {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west'},
];
/** Seed 002's HTTPS ServiceEntry: HTTP port 80 named http-port, targetPort 443. */
const HTTP_TO_443 = {number: 80, name: 'http-port', protocol: 'HTTP', targetPort: 443};
const HTTPS_443 = {number: 443, name: 'https-port', protocol: 'HTTPS'};
const LB = {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}};

function se(ports: O[], opts: {endpoints?: O[]; ns?: string; apiVersion?: string; hosts?: string[]} = {}): O {
  return {
    apiVersion: opts.apiVersion ?? V1B1,
    kind: 'ServiceEntry',
    metadata: {name: 'external-svc-dns', namespace: opts.ns ?? 'default'},
    spec: {hosts: opts.hosts ?? ['mydb.com'], ports, resolution: 'DNS', ...(opts.endpoints === undefined ? {endpoints: ENDPOINTS} : opts.endpoints.length ? {endpoints: opts.endpoints} : {})},
  };
}

function dr(trafficPolicy: O, opts: {ns?: string; host?: string; subsets?: O[]; name?: string} = {}): O {
  return {
    apiVersion: V1B1,
    kind: 'DestinationRule',
    metadata: {name: opts.name ?? 'mydynamodb', namespace: opts.ns ?? 'default'},
    spec: {host: opts.host ?? 'mydb.com', trafficPolicy, ...(opts.subsets ? {subsets: opts.subsets} : {})},
  };
}

function svc(name: string, ports: O[], opts: {selector?: Record<string, string>; type?: string} = {}): O {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, namespace: 'shop'},
    spec: {...(opts.type ? {type: opts.type} : {}), ...(opts.selector ? {selector: opts.selector} : {}), ports},
  };
}

function pod(name: string, app: string, opts: {sidecar?: boolean; containerPort?: {name?: string; containerPort: number}} = {}): O {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace: 'shop', labels: {app}},
    spec: {containers: [{name: 'app', ...(opts.containerPort ? {ports: [opts.containerPort]} : {})}, ...(opts.sidecar ? [{name: 'istio-proxy'}] : [])]},
  };
}

const KEY = 'FO505 ServiceEntry default/external-svc-dns @cluster1';
/** When a DestinationRule applies, the fix is in it: it is the flagged object. */
const DRKEY = 'FO505 DestinationRule default/mydynamodb @cluster1';
const SVC = (n: string): string => `FO505 Service shop/${n} @cluster1`;

const cases: {name: string; yaml: string; expect: string[]}[] = [
  // ---- seed 002, HTTPS part ----
  {name: 'seed 002 HTTPS as written (HTTP port 80 → targetPort 443, DR tls SIMPLE) → nothing', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'SIMPLE'}, loadBalancer: LB, outlierDetection: OD})), expect: []},
  {name: 'seed 002 HTTPS without the DR tls → error', yaml: y(se([HTTP_TO_443]), dr({loadBalancer: LB, outlierDetection: OD})), expect: [DRKEY]},
  {name: 'seed 002 HTTPS with no DestinationRule at all → error', yaml: y(se([HTTP_TO_443])), expect: [KEY]},
  {name: 'v1 objects, tls mode MUTUAL → nothing', yaml: y(se([HTTP_TO_443], {apiVersion: 'networking.istio.io/v1'}), dr({tls: {mode: 'MUTUAL', credentialName: 'client'}})), expect: []},
  {name: 'tls mode DISABLE → error', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'DISABLE'}})), expect: [DRKEY]},
  {name: 'tls mode ISTIO_MUTUAL does not reach the external TLS port → error', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'ISTIO_MUTUAL'}})), expect: [DRKEY]},
  // ---- DR placement ----
  {name: 'DR with tls in the root namespace → nothing', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'SIMPLE'}}, {ns: 'istio-system'})), expect: []},
  {name: 'DR with tls in an unrelated namespace does not apply → error', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'SIMPLE'}}, {ns: 'other'})), expect: [KEY]},
  {name: 'DR with a wildcard host *.com and tls → nothing', yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'SIMPLE'}}, {host: '*.com'})), expect: []},
  // ---- port level ----
  {
    name: 'top-level tls SIMPLE, but a port-level entry for port 80 without tls replaces it → error',
    yaml: y(se([HTTP_TO_443]), dr({tls: {mode: 'SIMPLE'}, portLevelSettings: [{port: {number: 80}, outlierDetection: OD}]})),
    expect: [DRKEY],
  },
  {
    name: 'port-level tls SIMPLE for port 80 only (Istio egress TLS origination task, with the HTTPS port 443 beside it) → nothing',
    yaml: y(se([HTTP_TO_443, HTTPS_443]), dr({portLevelSettings: [{port: {number: 80}, tls: {mode: 'SIMPLE'}}]})),
    expect: [],
  },
  {name: 'port-level tls SIMPLE for another port → error for port 80', yaml: y(se([HTTP_TO_443]), dr({portLevelSettings: [{port: {number: 8080}, tls: {mode: 'SIMPLE'}}]})), expect: [DRKEY]},
  // ---- which ports reach 443 ----
  {name: 'HTTP port 443 without targetPort → error', yaml: y(se([{number: 443, name: 'http', protocol: 'HTTP'}])), expect: [KEY]},
  {name: 'HTTP port 80 without targetPort → nothing', yaml: y(se([{number: 80, name: 'http', protocol: 'HTTP'}])), expect: []},
  {name: 'HTTP port 80, endpoint ports {http: 443} → error', yaml: y(se([{number: 80, name: 'http', protocol: 'HTTP'}], {endpoints: ENDPOINTS.map((e) => ({...e, ports: {http: 443}}))})), expect: [KEY]},
  {name: 'targetPort 443 overridden by every endpoint (ports {http-port: 8080}) → nothing', yaml: y(se([HTTP_TO_443], {endpoints: ENDPOINTS.map((e) => ({...e, ports: {'http-port': 8080}}))})), expect: []},
  {name: 'GRPC port to 443 without tls → error', yaml: y(se([{number: 50051, name: 'grpc', protocol: 'GRPC', targetPort: 443}])), expect: [KEY]},
  {name: 'TCP port to 443 without tls → nothing (not HTTP)', yaml: y(se([{number: 5432, name: 'tcp', protocol: 'TCP', targetPort: 443}])), expect: []},
  {name: 'DNS ServiceEntry without endpoints, HTTP port 80 → targetPort 443 → error', yaml: y(se([HTTP_TO_443], {endpoints: []})), expect: [KEY]},
  // ---- subsets ----
  {
    name: 'no top-level tls, but every subset originates TLS (traffic routed by subset) → nothing',
    yaml: y(se([HTTP_TO_443]), dr({outlierDetection: OD}, {subsets: [{name: 'east', labels: {r: 'e'}, trafficPolicy: {tls: {mode: 'SIMPLE'}}}]})),
    expect: [],
  },
  // ---- double TLS ----
  {name: 'HTTPS port 443 with DR tls SIMPLE → error (double TLS)', yaml: y(se([HTTPS_443]), dr({tls: {mode: 'SIMPLE'}})), expect: [DRKEY]},
  {name: 'TLS port with port-level tls MUTUAL → error (double TLS)', yaml: y(se([{number: 9443, name: 'tls', protocol: 'TLS'}]), dr({portLevelSettings: [{port: {number: 9443}, tls: {mode: 'MUTUAL'}}]})), expect: [DRKEY]},
  {
    name: 'TLS port, TLS origination only in a subset an egress gateway routes HTTP to (passthrough subset beside it) → nothing',
    yaml: y(
      se([{number: 80, name: 'http-0', protocol: 'HTTP'}, {number: 443, name: 'tls-0', protocol: 'TLS'}], {endpoints: []}),
      dr({}, {subsets: [{name: 'tls-origination', trafficPolicy: {portLevelSettings: [{port: {number: 443}, tls: {mode: 'SIMPLE', sni: 'mydb.com'}}]}}, {name: 'tls-passthrough'}]}),
    ),
    expect: [],
  },
  {
    name: 'top-level SIMPLE on a TLS port but a subset with tls DISABLE (a passthrough path on purpose) → nothing',
    yaml: y(se([HTTPS_443]), dr({tls: {mode: 'SIMPLE'}}, {subsets: [{name: 'passthrough', labels: {x: 'y'}, trafficPolicy: {tls: {mode: 'DISABLE'}}}]})),
    expect: [],
  },
  {
    name: 'top-level SIMPLE on an HTTPS port, a subset without its own tls → error',
    yaml: y(se([HTTPS_443]), dr({tls: {mode: 'SIMPLE'}}, {subsets: [{name: 'v1', labels: {x: 'y'}}]})),
    expect: [DRKEY],
  },
  {name: 'HTTPS port without DR tls → nothing', yaml: y(se([HTTPS_443]), dr({outlierDetection: OD})), expect: []},
  {
    name: 'HTTPS port with top-level SIMPLE but a port-level entry for 443 without tls → nothing',
    yaml: y(se([HTTPS_443]), dr({tls: {mode: 'SIMPLE'}, portLevelSettings: [{port: {number: 443}, outlierDetection: OD}]})),
    expect: [],
  },
  {
    name: 'egress gateway pattern: HTTPS port 443 + DR SIMPLE on 443, a Gateway serving mydb.com → nothing',
    yaml: y(
      se([{number: 80, name: 'http', protocol: 'HTTP'}, HTTPS_443]),
      dr({portLevelSettings: [{port: {number: 443}, tls: {mode: 'SIMPLE'}}]}),
      {apiVersion: V1B1, kind: 'Gateway', metadata: {name: 'istio-egressgateway', namespace: 'istio-system'}, spec: {selector: {istio: 'egressgateway'}, servers: [{port: {number: 80, name: 'http', protocol: 'HTTP'}, hosts: ['mydb.com']}]}},
    ),
    expect: [],
  },
  {
    name: 'a catch-all ingress Gateway (hosts "*") does not excuse double TLS → error',
    yaml: y(
      se([HTTPS_443]),
      dr({tls: {mode: 'SIMPLE'}}),
      {apiVersion: V1B1, kind: 'Gateway', metadata: {name: 'ingress', namespace: 'istio-system'}, spec: {selector: {istio: 'ingressgateway'}, servers: [{port: {number: 80, name: 'http', protocol: 'HTTP'}, hosts: ['*']}]}},
    ),
    expect: [DRKEY],
  },
  // ---- Kubernetes Services ----
  {name: 'Service port named http → targetPort 443, external pods (no sidecar), no DR → error', yaml: y(svc('legacy', [{name: 'http', port: 80, targetPort: 443}], {selector: {app: 'legacy'}}), pod('legacy-1', 'legacy')), expect: [SVC('legacy')]},
  {name: 'Service appProtocol http on a port named web → targetPort 443 → error', yaml: y(svc('legacy', [{name: 'web', appProtocol: 'http', port: 80, targetPort: 443}])), expect: [SVC('legacy')]},
  {name: 'Service port named http-api, port 443 without targetPort → error', yaml: y(svc('legacy', [{name: 'http-api', port: 443}])), expect: [SVC('legacy')]},
  {name: 'Service port named https → 443 → nothing', yaml: y(svc('legacy', [{name: 'https', port: 443, targetPort: 443}])), expect: []},
  {name: 'Service port named http → 8080 → nothing', yaml: y(svc('web', [{name: 'http', port: 80, targetPort: 8080}])), expect: []},
  {name: 'unnamed Service port → 443 (sniffed) → nothing', yaml: y(svc('legacy', [{port: 80, targetPort: 443}])), expect: []},
  {name: 'ExternalName Service (an alias since 1.21) → nothing', yaml: y(svc('ext', [{name: 'http', port: 443}], {type: 'ExternalName'})), expect: []},
  {
    name: 'Service http → 443 with a DestinationRule originating TLS for its FQDN → nothing',
    yaml: y(svc('legacy', [{name: 'http', port: 80, targetPort: 443}]), dr({tls: {mode: 'SIMPLE'}}, {ns: 'shop', host: 'legacy', name: 'legacy'})),
    expect: [],
  },
  {
    name: 'Service with a named targetPort resolved through its EndpointSlice to 443 → error',
    yaml: y(svc('legacy', [{name: 'http', port: 80, targetPort: 'web'}], {selector: {app: 'legacy'}}), {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {name: 'legacy-abc', namespace: 'shop', labels: {'kubernetes.io/service-name': 'legacy'}},
      addressType: 'IPv4',
      endpoints: [{addresses: ['10.1.0.5']}],
      ports: [{name: 'http', port: 443, protocol: 'TCP'}],
    }),
    expect: [SVC('legacy')],
  },
  {
    name: 'Service with a named targetPort resolved through a pod to 8443 → nothing',
    yaml: y(svc('legacy', [{name: 'http', port: 80, targetPort: 'web'}], {selector: {app: 'legacy'}}), pod('legacy-1', 'legacy', {containerPort: {name: 'web', containerPort: 8443}})),
    expect: [],
  },
  {
    name: 'meshed pods whose container port 443 is named http (plain HTTP there) → nothing',
    yaml: y(svc('odd', [{name: 'http', port: 80, targetPort: 443}], {selector: {app: 'odd'}}), pod('odd-1', 'odd', {sidecar: true, containerPort: {name: 'http', containerPort: 443}})),
    expect: [],
  },
  {
    name: 'meshed pods with an unnamed container port 443 → error',
    yaml: y(svc('odd', [{name: 'http', port: 80, targetPort: 443}], {selector: {app: 'odd'}}), pod('odd-1', 'odd', {sidecar: true, containerPort: {containerPort: 443}})),
    expect: [SVC('odd')],
  },
];

describe('FO505 tls-origination-mismatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo505.run(snapshotFromYaml({cluster1: c.yaml})))).toEqual(c.expect);
    });
  }

  it('seed 002 HTTPS without DR tls: patch the DestinationRule at the top level (its only port), with the endpoint names as SANs', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(se([HTTP_TO_443]), dr({loadBalancer: LB, outlierDetection: OD}))}));
    expect(f!.severity).toBe('error');
    expect(f!.details).toMatchObject({case: 'plain-http-to-tls', port: 80, endpointPort: 443, destinationRule: 'mydynamodb'});
    expect(f!.object.kind).toBe('DestinationRule'); // the fix is in the rule: it is the flagged object and carries the patch
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {trafficPolicy: {tls: {mode: 'SIMPLE', subjectAltNames: ['dynamodb.us-east-1.amazonaws.com', 'dynamodb.us-west-1.amazonaws.com']}}}}});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n default patch destinationrule mydynamodb --type merge -p '{"spec":{"trafficPolicy":{"tls":{"mode":"SIMPLE","subjectAltNames":["dynamodb.us-east-1.amazonaws.com","dynamodb.us-west-1.amazonaws.com"]}}}}'`,
    ]);
  });

  it('HTTP→443 port beside an HTTPS port: a port-level entry that repeats the top-level policy (not a top-level tls)', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(se([HTTP_TO_443, HTTPS_443], {endpoints: []}), dr({outlierDetection: OD}))}));
    const cmd = f!.remediation!.commands[0]!;
    expect(cmd).toContain('"portLevelSettings":[{"port":{"number":80},"outlierDetection":{"consecutive5xxErrors":1,"interval":"15s","baseEjectionTime":"1m"},"tls":{"mode":"SIMPLE"}}]');
    expect(cmd).not.toContain('"trafficPolicy":{"tls"');
  });

  it('port-level entry without tls: the entry gets tls, the list is written whole', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(se([HTTP_TO_443], {endpoints: []}), dr({tls: {mode: 'SIMPLE'}, portLevelSettings: [{port: {number: 80}, outlierDetection: OD}]}))}));
    expect(f!.message).toContain('portLevelSettings entry for the port replaces the top-level tls');
    expect(f!.remediation!.commands[0]).toContain('"portLevelSettings":[{"port":{"number":80},"outlierDetection":{"consecutive5xxErrors":1,"interval":"15s","baseEjectionTime":"1m"},"tls":{"mode":"SIMPLE"}}]');
  });

  it('no DestinationRule: a snippet to apply', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(se([HTTP_TO_443], {endpoints: []}))}));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 -n default apply -f -']);
    expect(f!.remediation!.snippet).toContain('host: mydb.com');
    expect(f!.remediation!.snippet).toContain('mode: SIMPLE');
  });

  it('double TLS: remove the tls; top level when it is the only port', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(se([HTTPS_443]), dr({tls: {mode: 'SIMPLE'}}))}));
    expect(f!.details).toMatchObject({case: 'double-tls', tlsMode: 'SIMPLE'});
    expect(f!.remediation!.commands).toEqual([`kubectl --context cluster1 -n default patch destinationrule mydynamodb --type merge -p '{"spec":{"trafficPolicy":{"tls":null}}}'`]);
  });

  it('meshed Service: declare the port https (strategic patch of the Service), no TLS origination', () => {
    const [f] = fo505.run(snapshotFromYaml({cluster1: y(svc('odd', [{name: 'http', port: 80, targetPort: 443}], {selector: {app: 'odd'}}), pod('odd-1', 'odd', {sidecar: true}))}));
    expect(f!.remediation!.patch).toEqual({type: 'strategic', body: {spec: {ports: [{port: 80, appProtocol: 'https'}]}}});
    expect(f!.details).toMatchObject({meshed: true});
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo505.meta.examples!;
    expect(fo505.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo505.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
