import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo112} from '../../src/checks/fo112-destination-rule-host-unknown.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const service = (name: string, ns: string): O => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}]}});
const dr = (name: string, ns: string, host: string, spec: O = {}): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: {name, namespace: ns},
  spec: {host, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}, ...spec},
});
const se = (name: string, ns: string, hosts: string[], resolution = 'DNS'): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: {name, namespace: ns},
  spec: {hosts, resolution, ports: [{number: 443, name: 'tls', protocol: 'TLS'}]},
});
const istiod = (args: string[]): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'istiod', namespace: 'istio-system'},
  spec: {template: {spec: {containers: [{name: 'discovery', args}]}}},
});
const hello = service('helloworld', 'sample');

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: '`helloworld.sample` is not the Service FQDN → warning',
    contexts: {c1: y(hello, dr('helloworld', 'sample', 'helloworld.sample'))},
    expect: ['FO112 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'done right: the FQDN',
    contexts: {c1: y(hello, dr('helloworld', 'sample', 'helloworld.sample.svc.cluster.local'))},
    expect: [],
  },
  {
    name: 'done right: a short name in the Service\'s namespace',
    contexts: {c1: y(hello, dr('helloworld', 'sample', 'helloworld'))},
    expect: [],
  },
  {
    name: 'a short name in another namespace resolves there → warning',
    contexts: {c1: y(hello, dr('helloworld', 'istio-system', 'helloworld'))},
    expect: ['FO112 DestinationRule istio-system/helloworld @c1'],
  },
  {
    name: 'a typo in the FQDN → warning',
    contexts: {c1: y(hello, dr('helloworld', 'sample', 'helloword.sample.svc.cluster.local'))},
    expect: ['FO112 DestinationRule sample/helloworld @c1'],
  },
  {
    name: '`*` and `*.local` match something: fine',
    contexts: {c1: y(hello, dr('all', 'istio-system', '*'), dr('local', 'istio-system', '*.local'))},
    expect: [],
  },
  {
    name: 'a wildcard that matches nothing → warning',
    contexts: {c1: y(hello, dr('other', 'istio-system', '*.other.svc.cluster.local'))},
    expect: ['FO112 DestinationRule istio-system/other @c1'],
  },
  {
    name: 'ServiceEntry host: fine',
    contexts: {c1: y(se('api', 'sample', ['api.example.com']), dr('api', 'sample', 'api.example.com'))},
    expect: [],
  },
  {
    name: 'wildcard rule for a wildcard ServiceEntry: fine',
    contexts: {c1: y(se('api', 'sample', ['*.example.com'], 'NONE'), dr('api', 'sample', '*.example.com'))},
    expect: [],
  },
  {
    name: 'a concrete host never applies to a wildcard ServiceEntry → warning',
    contexts: {c1: y(se('api', 'sample', ['*.example.com'], 'NONE'), dr('api', 'sample', 'api.example.com'))},
    expect: ['FO112 DestinationRule sample/api @c1'],
  },
  {
    name: 'the Service exists only in another context of the run: fine (multicluster)',
    contexts: {c1: y(dr('helloworld', 'sample', 'helloworld.sample.svc.cluster.local')), c2: y(hello)},
    expect: [],
  },
  {
    name: 'a custom cluster domain (istiod --domain) is honoured',
    contexts: {c1: y(hello, istiod(['discovery', '--domain', 'corp.local']), dr('helloworld', 'sample', 'helloworld.sample.svc.corp.local'))},
    expect: [],
  },
  {
    name: 'with a custom cluster domain, the cluster.local FQDN matches nothing',
    contexts: {c1: y(hello, istiod(['discovery', '--domain=corp.local']), dr('helloworld', 'sample', 'helloworld.sample.svc.cluster.local'))},
    expect: ['FO112 DestinationRule sample/helloworld @c1'],
  },
];

describe('FO112 destination-rule-host-unknown', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo112.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('suggests the FQDN for `name.namespace` and patches the host', () => {
    const [f] = fo112.run(snapshotFromYaml({c1: y(hello, dr('helloworld', 'sample', 'helloworld.sample'))}));
    expect(f!.message).toContain('Did you mean helloworld.sample.svc.cluster.local');
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {host: 'helloworld.sample.svc.cluster.local'}}});
    expect(f!.remediation!.commands[0]).toBe(`kubectl --context c1 -n sample patch destinationrule helloworld --type merge -p '{"spec":{"host":"helloworld.sample.svc.cluster.local"}}'`);
  });

  it('short name in the wrong namespace: says how Istio read it and suggests the Service', () => {
    const [f] = fo112.run(snapshotFromYaml({c1: y(hello, dr('helloworld', 'istio-system', 'helloworld'))}));
    expect(f!.message).toContain('Istio reads "helloworld" in namespace istio-system as helloworld.istio-system.svc.cluster.local');
    expect(f!.remediation!.patch!.body).toEqual({spec: {host: 'helloworld.sample.svc.cluster.local'}});
  });

  it('a typo is offered as a command, not as an automatic patch', () => {
    const [f] = fo112.run(snapshotFromYaml({c1: y(hello, dr('helloworld', 'sample', 'helloword.sample.svc.cluster.local'))}));
    expect((f!.details as {suggestions: string[]}).suggestions).toEqual(['helloworld.sample.svc.cluster.local']);
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands[0]).toContain('"host":"helloworld.sample.svc.cluster.local"');
  });

  it('renaming onto a host that already has a rule warns about the merge instead of patching', () => {
    const [f] = fo112.run(snapshotFromYaml({c1: y(hello, dr('helloworld', 'sample', 'helloworld'), dr('hw-typo', 'sample', 'helloworld.sample'))}));
    expect(f!.object.name).toBe('hw-typo');
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.summary).toContain('already names that host');
  });

  it('wildcard ServiceEntry: suggests the wildcard host', () => {
    const [f] = fo112.run(snapshotFromYaml({c1: y(se('api', 'sample', ['*.example.com'], 'NONE'), dr('api', 'sample', 'api.example.com'))}));
    expect(f!.message).toContain('a concrete host never applies to a wildcard ServiceEntry');
    expect(f!.remediation!.patch!.body).toEqual({spec: {host: '*.example.com'}});
  });
});
