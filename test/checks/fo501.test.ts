import {describe, expect, it} from 'vitest';
import {fo501} from '../../src/checks/fo501-workload-entry-fqdn-address.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

const ELB = 'ab02acc8e39f240799a682b7ae6dc42d-1914098926.ca-central-1.elb.amazonaws.com.';

const y = (...docs: string[]): string => docs.join('\n---\n');

/** A WorkloadEntry as XCP writes it for a remote service (seed 003). */
function we(name: string, address: string, labels: Record<string, string> = {app: 'details'}, opts: {ns?: string; apiVersion?: string; specLabels?: Record<string, string>; extraMeta?: string} = {}): string {
  const l = Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join('\n');
  const sl = opts.specLabels ? `  labels:\n${Object.entries(opts.specLabels).map(([k, v]) => `    ${k}: "${v}"`).join('\n')}\n` : '';
  return `apiVersion: ${opts.apiVersion ?? 'networking.istio.io/v1beta1'}
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: ${opts.ns ?? 'bookinfo'}
${Object.keys(labels).length ? `  labels:\n${l}\n` : ''}${opts.extraMeta ?? ''}spec:
  address: "${address}"
${sl}  ports:
    http: 15443`;
}

function service(name: string, selector: Record<string, string> | undefined, ns = 'bookinfo'): string {
  const sel = selector ? `  selector:\n${Object.entries(selector).map(([k, v]) => `    ${k}: ${v}`).join('\n')}\n` : '';
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${sel}  ports:
  - name: http
    port: 9080`;
}

function serviceEntry(name: string, resolution: string | undefined, selector: Record<string, string>, ns = 'bookinfo'): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts: [details.remote]
  location: MESH_INTERNAL
  ports:
  - {number: 9080, name: http, protocol: HTTP}
${resolution ? `  resolution: ${resolution}\n` : ''}  workloadSelector:
    labels:
${Object.entries(selector).map(([k, v]) => `      ${k}: ${v}`).join('\n')}`;
}

const CONTROL_PLANE = `apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata:
  name: controlplane
  namespace: istio-system
spec:
  hub: example.com/tetrate
  components:
    xcp:
      centralAuthMode: JWT`;

const CONTROL_PLANE_WITH_EDGE_DNS = `apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata:
  name: cp
  namespace: tsb
spec:
  components:
    xcp:
      kubeSpec:
        overlays:
        - apiVersion: install.xcp.tetrate.io/v1alpha1
          kind: EdgeXcp
          name: edge-xcp
          patches:
          - path: spec.components.edgeServer.kubeSpec.deployment.env[-1]
            value: {name: ENABLE_DNS_RESOLUTION_AT_EDGE, value: "true"}`;

/** The snippet of seed 003, verbatim. */
const SEED_003_SNIPPET = `apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata:
  name: controlplane
  namespace: istio-system
spec:
  components:
    xcp:
      ...
      kubeSpec:
        overlays:
          - apiVersion: install.xcp.tetrate.io/v1alpha1
            kind: EdgeXcp
            name: edge-xcp
            patches:
              ...
              - path: spec.components.edgeServer.kubeSpec.deployment.env[-1]
                value:
                  name: ENABLE_DNS_RESOLUTION_AT_EDGE
                  value: "true"
  ...
`;

const WE_DETAILS = 'WorkloadEntry bookinfo/k-details-2563fd2d9c78aacb3d42d6db45051ade';

interface Case {
  name: string;
  yaml: string;
  expect: string[];
}

const cases: Case[] = [
  // ---- seed 003 (Tetrate east-west) ----
  {
    name: 'seed 003: XCP wrote the ELB hostname (trailing dot) into the WE of details, the Service selects it → error',
    yaml: y(CONTROL_PLANE, service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
  {
    name: 'seed 003 done right: ADDRESS is the gateway IP → nothing',
    yaml: y(CONTROL_PLANE, service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', '12.34.56.78')),
    expect: [],
  },
  {
    name: 'hostname without the trailing dot is a hostname too',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', 'gw.example.com')),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
  {
    name: 'several WEs: only the hostname ones fire',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB), we('k-details-ip', '10.0.0.7')),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
  // ---- who needs an IP ----
  {
    name: 'selected by a STATIC ServiceEntry → error',
    yaml: y(serviceEntry('details-remote', 'STATIC', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
  {
    name: 'selected by a DNS ServiceEntry only → fine (Envoy resolves it)',
    yaml: y(serviceEntry('details-remote', 'DNS', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'selected by a DNS_ROUND_ROBIN ServiceEntry only → fine',
    yaml: y(serviceEntry('details-remote', 'DNS_ROUND_ROBIN', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'selected by a NONE (or unset resolution) ServiceEntry → nothing (passthrough: sidecars go to the original destination)',
    yaml: y(serviceEntry('a', 'NONE', {app: 'details'}), serviceEntry('b', undefined, {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'selected by nothing → nothing',
    yaml: y(service('reviews', {app: 'reviews'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'a Service with the same selector in another namespace does not select it',
    yaml: y(service('details', {app: 'details'}, 'other'), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'a Service without selector selects nothing',
    yaml: y(service('details', undefined), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
    expect: [],
  },
  {
    name: 'Service selector must be a subset of the WE labels',
    yaml: y(service('details', {app: 'details', version: 'v2'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB, {app: 'details', version: 'v1'})),
    expect: [],
  },
  {
    name: 'labels in spec.labels count (Istio merges them with metadata.labels)',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB, {}, {specLabels: {app: 'details'}})),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
  // ---- addresses that are not hostnames ----
  {
    name: 'unix:// address → not a hostname',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', 'unix:///var/run/app.sock')),
    expect: [],
  },
  {
    name: 'IPv6 address → fine',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', '2001:db8::7')),
    expect: [],
  },
  {
    name: 'empty address (reached through its network gateway) → fine',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', '')),
    expect: [],
  },
  {
    name: 'networking.istio.io/v1 objects',
    yaml: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB, {app: 'details'}, {apiVersion: 'networking.istio.io/v1'})),
    expect: [`FO501 ${WE_DETAILS} @cluster1`],
  },
];

describe('FO501 workload-entry-fqdn-address', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo501.run(snapshotFromYaml({cluster1: c.yaml})))).toEqual(c.expect);
    });
  }

  it('per context: only the cluster with the hostname WE fires', () => {
    const snap = snapshotFromYaml({
      cluster1: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB)),
      cluster2: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', '12.34.56.78')),
    });
    expect(keysOf(fo501.run(snap))).toEqual([`FO501 ${WE_DETAILS} @cluster1`]);
  });

  it('Tetrate: the remediation is the seed 003 ControlPlane snippet, edited in place (no merge patch)', () => {
    const [f] = fo501.run(snapshotFromYaml({cluster1: y(CONTROL_PLANE, service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB))}));
    expect(f!.severity).toBe('error');
    expect(f!.details).toMatchObject({tetrate: true, address: ELB, services: ['details']});
    expect(f!.remediation!.snippet).toBe(SEED_003_SNIPPET);
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster1 -n istio-system edit controlplanes.install.tetrate.io controlplane');
    expect(f!.remediation!.commands.join('\n')).not.toContain('patch');
    expect(f!.message).toContain('ENABLE_DNS_RESOLUTION_AT_EDGE');
  });

  it('Tetrate detected by xcp.tetrate.io marks (no ControlPlane read): default ControlPlane name in the Istio namespace', () => {
    const w = we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB, {app: 'details', 'xcp.tetrate.io/cluster': 'cluster-2'});
    const [f] = fo501.run(snapshotFromYaml({cluster1: y(service('details', {app: 'details'}), w)}));
    expect(f!.details).toMatchObject({tetrate: true});
    expect(f!.remediation!.snippet).toBe(SEED_003_SNIPPET);
  });

  it('Tetrate, the ControlPlane already mentions ENABLE_DNS_RESOLUTION_AT_EDGE: says so, edits that CR', () => {
    const [f] = fo501.run(snapshotFromYaml({cluster1: y(CONTROL_PLANE_WITH_EDGE_DNS, service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB))}));
    expect(f!.message).toContain('still writes hostnames');
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster1 -n tsb edit controlplanes.install.tetrate.io cp');
    expect(f!.remediation!.snippet).toContain('  name: cp\n  namespace: tsb\n');
  });

  it('not Tetrate, Service selects it: patch the WE address (placeholder) and a DNS ServiceEntry snippet', () => {
    const [f] = fo501.run(snapshotFromYaml({cluster1: y(service('details', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB))}));
    expect(f!.details).toMatchObject({tetrate: false});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n bookinfo patch workloadentry k-details-2563fd2d9c78aacb3d42d6db45051ade --type merge -p '{"spec":{"address":"<IP address of ${ELB}>"}}'`,
    ]);
    // A placeholder is never offered as a structured patch (`doctor --apply` must not write it).
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.snippet).toContain('resolution: DNS');
    expect(f!.remediation!.snippet).toContain('workloadSelector');
  });

  it('not Tetrate, STATIC ServiceEntry selects it: switch that ServiceEntry to DNS', () => {
    const [f] = fo501.run(snapshotFromYaml({cluster1: y(serviceEntry('details-remote', 'STATIC', {app: 'details'}), we('k-details-2563fd2d9c78aacb3d42d6db45051ade', ELB))}));
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n bookinfo patch serviceentry details-remote --type merge -p '{"spec":{"resolution":"DNS"}}'`,
    ]);
    expect(f!.remediation!.snippet).toContain('name: details-remote');
    expect(f!.remediation!.snippet).toContain('resolution: DNS');
    expect(f!.details).toMatchObject({serviceEntries: ['details-remote'], services: []});
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo501.meta.examples!;
    expect(fo501.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo501.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
