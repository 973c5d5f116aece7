import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo301} from '../../src/checks/fo301-namespace-not-in-mesh.js';
import type {Snapshot} from '../../src/model/snapshot.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');

const OD = {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'};
const FAILOVER = {outlierDetection: OD, loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}}};

const ns = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const pod = (name: string, namespace: string, o: {sidecar?: boolean; labels?: Record<string, string>; annotations?: Record<string, string>} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace, labels: o.labels ?? {app: name.replace(/-\d+$/, '')}, ...(o.annotations ? {annotations: o.annotations} : {})},
  spec: {nodeName: 'n1', containers: [{name: 'app'}, ...(o.sidecar ? [{name: 'istio-proxy'}] : [])]},
  status: {phase: 'Running'},
});
const svc = (name: string, namespace: string, labels: Record<string, string> = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace, labels: {app: name, ...labels}},
  spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}]},
});
const dr = (namespace: string, host: string, trafficPolicy: O, name = 'helloworld'): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace}, spec: {host, trafficPolicy}});
const mesh = (localityLbSetting: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify({localityLbSetting})}});

/** helloworld in `sample` (injected) with a DestinationRule; a `sleep` namespace with one pod. */
function world(o: {helloSidecar?: boolean; sampleLabels?: Record<string, string>; sleepLabels?: Record<string, string>; sleepPod?: O | null; trafficPolicy?: O | null; extra?: O[]} = {}): string {
  return y(
    ns('istio-system'),
    ns('kube-system'),
    ns('sample', o.sampleLabels ?? {'istio-injection': 'enabled'}),
    ns('sleep', o.sleepLabels ?? {}),
    svc('helloworld', 'sample'),
    pod('helloworld-1', 'sample', {sidecar: o.helloSidecar ?? true, labels: {app: 'helloworld'}}),
    ...(o.sleepPod === null ? [] : [o.sleepPod ?? pod('sleep-1', 'sleep')]),
    ...(o.trafficPolicy === null ? [] : [dr('sample', 'helloworld', o.trafficPolicy ?? FAILOVER)]),
    ...(o.extra ?? []),
  );
}

interface Case {
  name: string;
  yaml: string;
  clientNamespaces?: string[];
  fromPods?: Snapshot['fromPods'];
  expect: string[];
}

const SLEEP = 'FO301 Namespace sleep @cluster1';
const SAMPLE = 'FO301 Namespace sample @cluster1';

const cases: Case[] = [
  {name: 'done right: --client-namespace sleep is injected → nothing', yaml: world({sleepLabels: {'istio-injection': 'enabled'}}), clientNamespaces: ['sleep'], expect: []},
  {name: '--client-namespace sleep without injection, plain pod → warning on the Namespace', yaml: world(), clientNamespaces: ['sleep'], expect: [SLEEP]},
  {name: 'sleep is not a client namespace unless named → nothing', yaml: world(), expect: []},
  {name: 'revision label istio.io/rev → in the mesh', yaml: world({sleepLabels: {'istio.io/rev': '1-30'}}), clientNamespaces: ['sleep'], expect: []},
  {name: 'istio.io/rev with istio-injection=disabled → not in the mesh', yaml: world({sleepLabels: {'istio.io/rev': '1-30', 'istio-injection': 'disabled'}}), clientNamespaces: ['sleep'], expect: [SLEEP]},
  {name: 'ambient enrolment → in the mesh', yaml: world({sleepLabels: {'istio.io/dataplane-mode': 'ambient'}}), clientNamespaces: ['sleep'], expect: []},
  {name: 'no namespace label but the pod runs an istio-proxy container → in the mesh', yaml: world({sleepPod: pod('sleep-1', 'sleep', {sidecar: true})}), clientNamespaces: ['sleep'], expect: []},
  {
    name: 'pod-level sidecar.istio.io/inject=true → in the mesh',
    yaml: world({sleepPod: pod('sleep-1', 'sleep', {labels: {app: 'sleep', 'sidecar.istio.io/inject': 'true'}})}),
    clientNamespaces: ['sleep'],
    expect: [],
  },
  {
    name: 'pod-level ambient label → in the mesh',
    yaml: world({sleepPod: pod('sleep-1', 'sleep', {labels: {app: 'sleep', 'istio.io/dataplane-mode': 'ambient'}})}),
    clientNamespaces: ['sleep'],
    expect: [],
  },
  {name: 'a client namespace with no pod has no traffic to judge → nothing', yaml: world({sleepPod: null}), clientNamespaces: ['sleep'], expect: []},
  {name: 'a --client-namespace absent from the context → nothing', yaml: world(), clientNamespaces: ['nowhere'], expect: []},
  {name: 'kube-system and the Istio namespace are never reported', yaml: world({extra: [pod('coredns-1', 'kube-system'), pod('istiod-1', 'istio-system')]}), clientNamespaces: ['kube-system', 'istio-system'], expect: []},
  {
    name: 'the service\'s own namespace is not in the mesh → warning on it',
    yaml: world({sampleLabels: {}, helloSidecar: false, extra: [pod('curl-1', 'sample')]}),
    expect: [SAMPLE],
  },
  {
    name: 'the service\'s own namespace has no label but its pods run sidecars (pod-level injection) → nothing',
    yaml: world({sampleLabels: {}}),
    expect: [],
  },
  {name: 'no failover intent (outlierDetection only) → nothing', yaml: world({trafficPolicy: {outlierDetection: OD}}), clientNamespaces: ['sleep'], expect: []},
  {
    name: 'localityLbSetting enabled: false is no intent → nothing',
    yaml: world({trafficPolicy: {outlierDetection: OD, loadBalancer: {localityLbSetting: {enabled: false}}}}),
    clientNamespaces: ['sleep'],
    expect: [],
  },
  {
    name: 'intent on a subset only still counts → warning',
    yaml: world({trafficPolicy: null, extra: [{apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'hw', namespace: 'sample'}, spec: {host: 'helloworld', subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: FAILOVER}]}}]}),
    clientNamespaces: ['sleep'],
    expect: [SLEEP],
  },
  {
    name: 'mesh-wide failover: a named client namespace outside the mesh → warning',
    yaml: world({trafficPolicy: null, extra: [mesh({failover: [{from: 'us-east', to: 'us-west'}]})]}),
    clientNamespaces: ['sleep'],
    expect: [SLEEP],
  },
  {
    name: 'mesh-wide failover is nobody\'s intent for an unmeshed service\'s own namespace → nothing',
    yaml: world({trafficPolicy: null, extra: [mesh({failover: [{from: 'us-east', to: 'us-west'}]}), ns('monitoring'), svc('prometheus', 'monitoring'), pod('prometheus-1', 'monitoring')]}),
    expect: [],
  },
  {name: '--from pod in an unmeshed namespace → warning', yaml: world(), fromPods: [{namespace: 'sleep', name: 'sleep-1'}], expect: [SLEEP]},
  {name: '--from pod of another context does not count here', yaml: world(), fromPods: [{context: 'cluster2', namespace: 'sleep', name: 'sleep-1'}], expect: []},
  {
    name: 'ServiceEntry with failover intent (seed 002) in a namespace without injection → warning',
    yaml: y(
      ns('default'),
      pod('sleep-1', 'default'),
      {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'external-svc-dns', namespace: 'default'}, spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http'}], resolution: 'DNS'}},
      dr('default', 'mydb.com', {outlierDetection: OD, loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'us-west'}]}}}, 'mydynamodb'),
    ),
    expect: ['FO301 Namespace default @cluster1'],
  },
  {
    name: 'a ServiceEntry in a configuration-only namespace (no pods) → nothing',
    yaml: y(
      ns('istio-config'),
      {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'ext', namespace: 'istio-config'}, spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http'}], resolution: 'DNS'}},
      dr('istio-config', 'mydb.com', FAILOVER, 'mydb'),
    ),
    expect: [],
  },
];

describe('FO301 namespace-not-in-mesh', () => {
  for (const c of cases) {
    it(c.name, () => {
      const snap = snapshotFromYaml({cluster1: c.yaml}, {...(c.clientNamespaces ? {clientNamespaces: c.clientNamespaces} : {}), ...(c.fromPods ? {fromPods: c.fromPods} : {})});
      const findings = fo301.run(snap);
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) expect(f.severity).toBe('warning');
    });
  }

  it('remediation: istio-injection=enabled and a rollout restart, in the right context', () => {
    const [f] = fo301.run(snapshotFromYaml({cluster1: world()}, {clientNamespaces: ['sleep']}));
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster1 label namespace sleep istio-injection=enabled --overwrite',
      'kubectl --context cluster1 -n sleep rollout restart deployment',
    ]);
    expect(f!.details).toMatchObject({namespace: 'sleep', services: ['Service sample/helloworld'], clientOf: ['--client-namespace'], pods: 1, injectionDisabled: false});
  });

  it('remediation follows the revision the cluster uses, dropping istio-injection=disabled', () => {
    const yaml = world({sampleLabels: {'istio.io/rev': 'canary'}, sleepLabels: {'istio-injection': 'disabled'}});
    const [f] = fo301.run(snapshotFromYaml({cluster1: yaml}, {clientNamespaces: ['sleep']}));
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster1 label namespace sleep istio-injection- istio.io/rev=canary --overwrite');
    expect(f!.details).toMatchObject({injectionDisabled: true});
  });

  it('ambient mesh, the service is served by a waypoint: enrol the namespace in ambient, no restart', () => {
    const yaml = world({
      sampleLabels: {'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint'},
      extra: [{apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'waypoint', namespace: 'sample'}, spec: {gatewayClassName: 'istio-waypoint'}}],
    });
    const [f] = fo301.run(snapshotFromYaml({cluster1: yaml}, {clientNamespaces: ['sleep']}));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster1 label namespace sleep istio.io/dataplane-mode=ambient --overwrite']);
  });

  it('one finding per namespace, naming every service it is a client of', () => {
    const yaml = world({extra: [svc('echo', 'sample'), dr('sample', 'echo', FAILOVER, 'echo')]});
    const findings = fo301.run(snapshotFromYaml({cluster1: yaml}, {clientNamespaces: ['sleep']}));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.details).toMatchObject({services: ['Service sample/echo', 'Service sample/helloworld']});
  });
});
