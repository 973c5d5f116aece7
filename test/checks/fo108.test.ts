import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo108} from '../../src/checks/fo108-distribute-drops-localities.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const R = 'topology.kubernetes.io/region';
const Z = 'topology.kubernetes.io/zone';
const node = (name: string, region: string, zone: string): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels: {[R]: region, [Z]: zone}}});
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string): O => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}]}});
let ip = 0;
const pod = (name: string, ns: string, app: string, nodeName: string): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, labels: {app}},
  spec: {nodeName, containers: [{name: 'app'}, {name: 'istio-proxy'}]},
  status: {phase: 'Running', podIP: `10.0.0.${++ip}`},
});
const dr = (name: string, ns: string, host: string, spec: O = {}): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec: {host, ...spec}});
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});
const FQDN = 'helloworld.sample.svc.cluster.local';
const nodes = [node('n1', 'us-east', 'us-east-1a'), node('n2', 'us-east', 'us-east-1b'), node('n3', 'us-west', 'us-west-1a')];
/** helloworld in us-east-1a, us-east-1b and us-west-1a; a sleep client in us-east-1a. */
const hello = (ns: O = namespace('sample', {'istio-injection': 'enabled'})): O[] => [
  ns,
  namespace('istio-system'),
  ...nodes,
  service('helloworld', 'sample'),
  pod('helloworld-a', 'sample', 'helloworld', 'n1'),
  pod('helloworld-b', 'sample', 'helloworld', 'n2'),
  pod('helloworld-w', 'sample', 'helloworld', 'n3'),
  pod('sleep-1', 'sample', 'sleep', 'n1'),
];
const lb = (distribute: O[]): O => ({trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true, distribute}}}});
const EAST_ONLY = [{from: 'us-east/*', to: {'us-east/us-east-1a': 80, 'us-east/us-east-1b': 20}}];
const se = (name: string, endpoints: O[], resolution = 'STATIC'): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: {name, namespace: 'sample'},
  spec: {hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution, ports: [{number: 80, name: 'http', protocol: 'HTTP'}], endpoints},
});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'distribute leaves us-west out of every `to` → warning on the DestinationRule',
    contexts: {c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb(EAST_ONLY)))},
    expect: ['FO108 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'done right: every locality with endpoints is in a `to`',
    contexts: {c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb([{from: 'us-east/*', to: {'us-east/*': 90, 'us-west/*': 10}}])))},
    expect: [],
  },
  {
    name: 'a `*` target covers everything',
    contexts: {c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb([{from: 'us-east/*', to: {'*': 100}}])))},
    expect: [],
  },
  {
    name: 'no distribute rule matches the clients (all in us-east): nothing dropped for them',
    contexts: {c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb([{from: 'eu-west/*', to: {'eu-west/*': 100}}])))},
    expect: [],
  },
  {
    name: 'no DestinationRule: no distribute',
    contexts: {c1: y(...hello())},
    expect: [],
  },
  {
    name: 'distribute in a rule whose host matches nothing: nothing to drop',
    contexts: {c1: y(...hello(), dr('other', 'sample', 'other.sample.svc.cluster.local', lb(EAST_ONLY)))},
    expect: [],
  },
  {
    name: 'ambient service without waypoint: ztunnel ignores the rule',
    contexts: {c1: y(...hello(namespace('sample', {'istio.io/dataplane-mode': 'ambient'})), dr('helloworld', 'sample', FQDN, lb(EAST_ONLY)))},
    expect: [],
  },
  {
    name: 'ServiceEntry endpoint without locality is dropped by distribute',
    contexts: {
      c1: y(
        ...hello(),
        se('api', [
          {address: '192.0.2.1', locality: 'us-east/us-east-1a'},
          {address: '192.0.2.2'},
        ]),
        dr('api', 'sample', 'api.example.com', lb([{from: 'us-east/*', to: {'us-east/*': 100}}])),
      ),
    },
    expect: ['FO108 DestinationRule sample/api @c1'],
  },
  {
    name: 'ServiceEntry endpoints all with a listed locality: nothing dropped',
    contexts: {
      c1: y(
        ...hello(),
        se('api', [
          {address: '192.0.2.1', locality: 'us-east/us-east-1a'},
          {address: '192.0.2.2', locality: 'us-west/us-west-1a'},
        ]),
        dr('api', 'sample', 'api.example.com', lb([{from: 'us-east/*', to: {'us-east/*': 50, 'us-west/*': 50}}])),
      ),
    },
    expect: [],
  },
  {
    name: 'mesh-wide distribute dropping a locality → warning on the mesh ConfigMap',
    contexts: {c1: y(...hello(), meshCm({localityLbSetting: {enabled: true, distribute: EAST_ONLY}}))},
    expect: ['FO108 ConfigMap istio-system/istio @c1'],
  },
  {
    name: 'a DestinationRule localityLbSetting without distribute overrides the mesh distribute',
    contexts: {
      c1: y(
        ...hello(),
        meshCm({localityLbSetting: {enabled: true, distribute: EAST_ONLY}}),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true}}, outlierDetection: {consecutive5xxErrors: 5}}}),
      ),
    },
    expect: [],
  },
  {
    name: 'malformed distribute entries (rejected by the webhook) give no finding and no crash',
    contexts: {c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb([null as unknown as O, {from: 'us-east/*', to: 'us-east/*'}])))},
    expect: [],
  },
];

describe('FO108 distribute-drops-localities', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo108.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('names the dropped locality and patches the `to` keeping the sum at 100', () => {
    const [f] = fo108.run(snapshotFromYaml({c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb(EAST_ONLY)))}));
    expect(f!.severity).toBe('warning');
    expect(f!.message).toContain('us-west/us-west-1a (1 endpoint)');
    expect(f!.message).toContain('distribute[0]');
    const drops = (f!.details as {drops: {localities: Record<string, number>}[]}).drops;
    expect(drops[0]!.localities).toEqual({'us-west/us-west-1a': 1});
    const body = f!.remediation!.patch!.body as {spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: {to: Record<string, number>}[]}}}}};
    const to = body.spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0]!.to;
    expect(to).toEqual({'us-east/us-east-1a': 79, 'us-east/us-east-1b': 20, 'us-west/*': 1});
    expect(Object.values(to).reduce((a, b) => a + b, 0)).toBe(100);
    expect(f!.remediation!.commands[0]).toMatch(/^kubectl --context c1 -n sample patch destinationrule helloworld --type merge -p /);
  });

  it('a region the rule already names gets a zone key (a region key would overlap)', () => {
    const [f] = fo108.run(
      snapshotFromYaml({c1: y(...hello(), dr('helloworld', 'sample', FQDN, lb([{from: 'us-east/*', to: {'us-east/*': 70, 'us-west/us-west-1b': 30}}])))}),
    );
    expect(f!.message).toContain('us-west/us-west-1a');
    const body = f!.remediation!.patch!.body as {spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: {to: Record<string, number>}[]}}}}};
    expect(body.spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0]!.to).toEqual({'us-east/*': 69, 'us-west/us-west-1b': 30, 'us-west/us-west-1a': 1});
  });

  it('endpoints without locality: says so and offers no `to` key for them', () => {
    const [f] = fo108.run(
      snapshotFromYaml({
        c1: y(
          ...hello(),
          se('api', [{address: '192.0.2.1', locality: 'us-east/us-east-1a'}, {address: '192.0.2.2'}]),
          dr('api', 'sample', 'api.example.com', lb([{from: 'us-east/*', to: {'us-east/*': 100}}])),
        ),
      }),
    );
    expect(f!.message).toContain('1 endpoint without a locality');
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands.join('\n')).toContain('edit serviceentry api');
  });
});
