import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo113} from '../../src/checks/fo113-tcp-outlier-blind.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, ports: O[]): O => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {selector: {app: name}, ports}});
const dr = (name: string, ns: string, host: string, trafficPolicy: O): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec: {host, trafficPolicy}});
const se = (name: string, ports: O[], opts: O = {}): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: {name, namespace: 'sample'},
  spec: {hosts: ['db.example.com'], resolution: 'DNS', ports, ...opts},
});
const OD = {outlierDetection: {consecutive5xxErrors: 5}};
const FQDN = 'backend.sample.svc.cluster.local';
const ns = [namespace('sample', {'istio-injection': 'enabled'}), namespace('istio-system')];
const withPorts = (ports: O[], tp: O = OD): string => y(...ns, service('backend', 'sample', ports), dr('backend', 'sample', FQDN, tp));

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {name: 'port named tcp-… with outlierDetection → warning', contexts: {c1: withPorts([{port: 8080, name: 'tcp-web'}])}, expect: ['FO113 DestinationRule sample/backend @c1'], severity: ['warning']},
  {name: 'done right: HTTP port', contexts: {c1: withPorts([{port: 8080, name: 'http-web'}])}, expect: []},
  {name: 'unnamed port: Istio sniffs the protocol, not flagged', contexts: {c1: withPorts([{port: 8080}])}, expect: []},
  {name: 'unknown port-name prefix: sniffed, not flagged', contexts: {c1: withPorts([{port: 8080, name: 'web'}])}, expect: []},
  {name: 'appProtocol http wins over a tcp name', contexts: {c1: withPorts([{port: 8080, name: 'tcp-web', appProtocol: 'http'}])}, expect: []},
  {name: 'appProtocol tcp wins over an http name → warning', contexts: {c1: withPorts([{port: 8080, name: 'http-web', appProtocol: 'tcp'}])}, expect: ['FO113 DestinationRule sample/backend @c1']},
  {name: 'unnamed well-known MySQL port is TCP (not sniffed) → warning', contexts: {c1: withPorts([{port: 3306}])}, expect: ['FO113 DestinationRule sample/backend @c1']},
  {name: 'mongo port name → warning', contexts: {c1: withPorts([{port: 27018, name: 'mongo'}])}, expect: ['FO113 DestinationRule sample/backend @c1']},
  {name: 'https port inside the mesh (TLS passed through) → warning', contexts: {c1: withPorts([{port: 8443, name: 'https-api'}])}, expect: ['FO113 DestinationRule sample/backend @c1']},
  {name: 'UDP port: not proxied as TCP', contexts: {c1: withPorts([{port: 5353, name: 'tcp-dns', protocol: 'UDP'}])}, expect: []},
  {name: 'no outlierDetection: nothing to be blind', contexts: {c1: withPorts([{port: 8080, name: 'tcp-web'}], {connectionPool: {tcp: {maxConnections: 10}}})}, expect: []},
  {
    name: 'outlierDetection that ejects nothing (FO104): not flagged here',
    contexts: {c1: withPorts([{port: 8080, name: 'tcp-web'}], {outlierDetection: {consecutive5xxErrors: 0}})},
    expect: [],
  },
  {
    name: 'outlierDetection only on the HTTP port (port level): the TCP port has none',
    contexts: {
      c1: withPorts([{port: 8080, name: 'http'}, {port: 9000, name: 'tcp-admin'}], {
        portLevelSettings: [{port: {number: 8080}, outlierDetection: {consecutive5xxErrors: 5}}],
      }),
    },
    expect: [],
  },
  {
    name: 'external ServiceEntry, TLS passthrough → info',
    contexts: {c1: y(...ns, se('db', [{number: 443, name: 'tls', protocol: 'TLS'}]), dr('db', 'sample', 'db.example.com', OD))},
    expect: ['FO113 DestinationRule sample/db @c1'],
    severity: ['info'],
  },
  {
    name: 'external ServiceEntry: HTTP with TLS origination is seen by outlier detection',
    contexts: {
      c1: y(...ns, se('db', [{number: 80, name: 'http', protocol: 'HTTP', targetPort: 443}]), dr('db', 'sample', 'db.example.com', {...OD, tls: {mode: 'SIMPLE'}})),
    },
    expect: [],
  },
  {
    name: 'HTTPS port with TLS origination on top is double TLS (FO505), not flagged here',
    contexts: {c1: y(...ns, se('db', [{number: 443, name: 'https', protocol: 'HTTPS'}]), dr('db', 'sample', 'db.example.com', {...OD, tls: {mode: 'SIMPLE'}}))},
    expect: [],
  },
  {
    name: 'MESH_INTERNAL ServiceEntry with a TCP port → warning',
    contexts: {c1: y(...ns, se('db', [{number: 5432, name: 'pg', protocol: 'TCP'}], {location: 'MESH_INTERNAL'}), dr('db', 'sample', 'db.example.com', OD))},
    expect: ['FO113 DestinationRule sample/db @c1'],
    severity: ['warning'],
  },
  {
    name: 'ambient without waypoint: ztunnel ignores the rule',
    contexts: {c1: y(namespace('sample', {'istio.io/dataplane-mode': 'ambient'}), namespace('istio-system'), service('backend', 'sample', [{port: 8080, name: 'tcp-web'}]), dr('backend', 'sample', FQDN, OD))},
    expect: [],
  },
];

describe('FO113 tcp-outlier-blind', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo113.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
    });
  }

  it('explains where the protocol came from; offers to declare a generic tcp port as HTTP (by hand)', () => {
    const [f] = fo113.run(snapshotFromYaml({c1: withPorts([{port: 8080, name: 'tcp-web'}, {port: 9090, name: 'http-metrics'}])}));
    expect(f!.message).toContain('backend.sample.svc.cluster.local:8080 (TCP from port name tcp-web; opaque TCP)');
    expect(f!.message).toContain('accepts the connection even when the application is down');
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands[0]).toBe(
      `kubectl --context c1 -n sample patch service backend --type merge -p '{"spec":{"ports":[{"port":8080,"name":"tcp-web","appProtocol":"http"},{"port":9090,"name":"http-metrics"}]}}'`,
    );
  });

  it('a MySQL port is never offered as HTTP', () => {
    const [f] = fo113.run(snapshotFromYaml({c1: withPorts([{port: 3306}])}));
    expect(f!.remediation!.commands.some((c) => c.includes('appProtocol'))).toBe(false);
    expect(f!.remediation!.commands.some((c) => c.includes('readinessProbe'))).toBe(true);
  });
});
