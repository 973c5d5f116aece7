import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {fo114} from '../../src/checks/fo114-traffic-distribution-overridden.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const namespace = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels, annotations}});
const service = (name: string, ns: string, opts: {spec?: O; annotations?: Record<string, string>} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, annotations: opts.annotations ?? {}},
  spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}, {port: 9090, name: 'http-metrics'}], ...(opts.spec ?? {})},
});
const dr = (name: string, ns: string, host: string, trafficPolicy: O): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec: {host, trafficPolicy}});
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});
const FQDN = 'helloworld.sample.svc.cluster.local';
const OD = {consecutive5xxErrors: 5};
const PREFER_CLOSE = {spec: {trafficDistribution: 'PreferClose'}};
const ns = (annotations: Record<string, string> = {}, labels: Record<string, string> = {'istio-injection': 'enabled'}): O[] => [namespace('sample', labels, annotations), namespace('istio-system')];
const lls = (s: O): O => ({loadBalancer: {localityLbSetting: s}});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'PreferClose overridden by localityLbSetting without outlierDetection → warning',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('helloworld', 'sample', FQDN, lls({enabled: true})))},
    expect: ['FO114 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'done right: trafficDistribution and a rule without localityLbSetting',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('helloworld', 'sample', FQDN, {outlierDetection: OD, connectionPool: {tcp: {maxConnections: 10}}}))},
    expect: [],
  },
  {
    name: 'no trafficDistribution: a localityLbSetting overrides nothing',
    contexts: {c1: y(...ns(), service('helloworld', 'sample'), dr('helloworld', 'sample', FQDN, lls({enabled: true})))},
    expect: [],
  },
  {
    name: 'namespace annotation + failover rules with outlierDetection → warning (rules replace it)',
    contexts: {
      c1: y(
        ...ns({'networking.istio.io/traffic-distribution': 'PreferClose'}),
        service('helloworld', 'sample'),
        dr('helloworld', 'sample', FQDN, {...lls({failover: [{from: 'us-east', to: 'us-west'}]}), outlierDetection: OD}),
      ),
    },
    expect: ['FO114 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'the rule spells out the same failoverPriority, with outlierDetection: same result, no warning',
    contexts: {
      c1: y(
        ...ns(),
        service('helloworld', 'sample', PREFER_CLOSE),
        dr('helloworld', 'sample', FQDN, {
          ...lls({failoverPriority: ['topology.istio.io/network', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone']}),
          outlierDetection: OD,
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'enabled: false turns locality LB off → warning',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('helloworld', 'sample', FQDN, lls({enabled: false})))},
    expect: ['FO114 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'an annotation value Istio does not know is no trafficDistribution',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', {annotations: {'networking.istio.io/traffic-distribution': 'Any'}}), dr('helloworld', 'sample', FQDN, lls({enabled: true})))},
    expect: [],
  },
  {
    name: 'mesh-wide localityLbSetting does not override trafficDistribution',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), meshCm({localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}}))},
    expect: [],
  },
  {
    name: 'ambient without waypoint: ztunnel uses trafficDistribution and ignores the rule',
    contexts: {c1: y(...ns({}, {'istio.io/dataplane-mode': 'ambient'}), service('helloworld', 'sample', PREFER_CLOSE), dr('helloworld', 'sample', FQDN, lls({enabled: true})))},
    expect: [],
  },
  {
    name: 'a port-level localityLbSetting overrides it on that port → warning',
    contexts: {
      c1: y(
        ...ns(),
        service('helloworld', 'sample', PREFER_CLOSE),
        dr('helloworld', 'sample', FQDN, {portLevelSettings: [{port: {number: 9090}, ...lls({enabled: true})}]}),
      ),
    },
    expect: ['FO114 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'a wildcard rule in the root namespace → warning on it',
    contexts: {c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('mesh-wide', 'istio-system', '*.local', {...lls({enabled: true}), outlierDetection: OD}))},
    expect: ['FO114 DestinationRule istio-system/mesh-wide @c1'],
  },
];

describe('FO114 traffic-distribution-overridden', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo114.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('without outlierDetection, says no priorities are assigned; patch removes the localityLbSetting', () => {
    const [f] = fo114.run(snapshotFromYaml({c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('helloworld', 'sample', FQDN, lls({enabled: true})))}));
    expect(f!.message).toContain("sample/helloworld's trafficDistribution: PreferClose");
    expect(f!.message).toContain('no outlierDetection on this port Istio assigns no priorities at all');
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: null}}}});
  });

  it('port-level: the patch replaces portLevelSettings whole', () => {
    const [f] = fo114.run(
      snapshotFromYaml({
        c1: y(
          ...ns(),
          service('helloworld', 'sample', PREFER_CLOSE),
          dr('helloworld', 'sample', FQDN, {portLevelSettings: [{port: {number: 9090}, ...lls({enabled: true}), connectionPool: {tcp: {maxConnections: 5}}}]}),
        ),
      }),
    );
    expect(f!.message).toContain('port 9090');
    expect(f!.message).not.toContain('port 5000');
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {portLevelSettings: [{port: {number: 9090}, loadBalancer: {}, connectionPool: {tcp: {maxConnections: 5}}}]}}});
  });

  it('wildcard rule: a rule of its own for the Service instead of patching the shared one', () => {
    const [f] = fo114.run(
      snapshotFromYaml({c1: y(...ns(), service('helloworld', 'sample', PREFER_CLOSE), dr('mesh-wide', 'istio-system', '*.local', {...lls({enabled: true}), outlierDetection: OD}))}),
    );
    expect(f!.remediation!.patch).toBeUndefined();
    const doc = parse(f!.remediation!.snippet!) as {metadata: {name: string; namespace: string}; spec: {host: string; trafficPolicy: O}};
    expect(doc.metadata).toEqual({name: 'helloworld', namespace: 'sample'});
    expect(doc.spec.host).toBe(FQDN);
    expect(doc.spec.trafficPolicy).toEqual({loadBalancer: {}, outlierDetection: OD});
    expect(f!.remediation!.commands[0]).toMatch(/^kubectl --context c1 apply -f - <<'EOF'\n/);
  });
});
