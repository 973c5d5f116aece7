import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {fo506} from '../../src/checks/fo506-exposed-services-selector-unmatched.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const y = (...docs: (O | string)[]): string => docs.map((d) => (typeof d === 'string' ? d : stringify(d))).join('---\n');

const svc = (name: string, namespace: string, labels: Record<string, string> = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace, labels: {app: name, ...labels}},
  spec: {selector: {app: name}, ports: [{port: 9080, name: 'http'}]},
});
const ns = (name: string): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: {'istio-injection': 'enabled'}}});

/** Seed 003 bookinfo in one cluster; `labels` per service. */
const bookinfo = (labels: Record<string, Record<string, string>> = {}): O[] => [
  ns('bookinfo'),
  ...['details', 'ratings', 'reviews', 'productpage'].map((n) => svc(n, 'bookinfo', labels[n] ?? {})),
];

const workspace = (names: string[] = ['*/bookinfo']): O => ({
  apiVersion: 'api.tsb.tetrate.io/v2',
  kind: 'Workspace',
  metadata: {organization: 'tetrate', tenant: 'tetrate', name: 'bookinfo-ws'},
  spec: {namespaceSelector: {names}},
});

const GW = {workloadSelector: {namespace: 'eastwest', labels: {app: 'eastwest-gateway'}}};

const setting = (gatewaySettings: O[] | undefined): O => ({
  apiVersion: 'api.tsb.tetrate.io/v2',
  kind: 'WorkspaceSetting',
  metadata: {organization: 'tetrate', tenant: 'tetrate', workspace: 'bookinfo-ws', name: 'bookinfo-ws-setting'},
  spec: gatewaySettings ? {defaultEastWestGatewaySettings: gatewaySettings} : {},
});

/** The seed's second block as written: `spec:` followed by an unindented defaultEastWestGatewaySettings. */
const SEED_BROKEN = `apiVersion: api.tsb.tetrate.io/v2
kind: WorkspaceSetting
metadata:
  organization: tetrate
  tenant: tetrate
  workspace: bookinfo-ws
  name: bookinfo-ws-setting
spec:
defaultEastWestGatewaySettings:
  - workloadSelector:
      namespace: eastwest
      labels:
        app: eastwest-gateway
    exposedServices:
      - serviceLabels:
          failover: enable
      - serviceLabels:
          app: details
`;

const SEED_SELECTORS = [{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}, {serviceLabels: {app: 'details'}}]}];
const KEY = 'FO506 WorkspaceSetting bookinfo-ws-setting @cluster-1';

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {name: 'seed 003: default settings, no exposedServices (every service exposed) → nothing', contexts: {'cluster-1': y(...bookinfo(), workspace(), setting([GW]))}, expect: []},
  {
    name: 'seed 003 selectors, no Service labelled failover=enable → warning',
    contexts: {'cluster-1': y(...bookinfo(), workspace(), setting(SEED_SELECTORS)), 'cluster-2': y(...bookinfo())},
    expect: [KEY],
  },
  {
    name: 'seed 003 selectors done right: reviews labelled failover=enable → nothing',
    contexts: {'cluster-1': y(...bookinfo({reviews: {failover: 'enable'}}), workspace(), setting(SEED_SELECTORS)), 'cluster-2': y(...bookinfo({reviews: {failover: 'enable'}}))},
    expect: [],
  },
  {
    name: 'a matching Service in a peer cluster of the run counts',
    contexts: {'cluster-1': y(...bookinfo(), workspace(), setting(SEED_SELECTORS)), 'cluster-2': y(...bookinfo({ratings: {failover: 'enable'}}))},
    expect: [],
  },
  {name: 'selector app=details only → matched → nothing', contexts: {'cluster-1': y(...bookinfo(), workspace(), setting([{...GW, exposedServices: [{serviceLabels: {app: 'details'}}]}]))}, expect: []},
  {name: 'the seed\'s broken indentation: settings beside spec are ignored → warning', contexts: {'cluster-1': y(...bookinfo({details: {failover: 'enable'}}), workspace(), SEED_BROKEN)}, expect: [KEY]},
  {
    name: 'misplaced settings without any exposedServices → still a warning (the gateway settings are lost)',
    contexts: {'cluster-1': y(...bookinfo(), workspace(), {...setting(undefined), spec: null, defaultEastWestGatewaySettings: [GW]})},
    expect: [KEY],
  },
  {
    name: 'a Service with the labels outside the workspace namespaces does not count → warning',
    contexts: {'cluster-1': y(...bookinfo(), ns('other'), svc('details', 'other', {failover: 'enable'}), workspace(), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}]))},
    expect: [KEY],
  },
  {
    name: 'Workspace not in the run, a Service anywhere matches → nothing',
    contexts: {'cluster-1': y(...bookinfo({details: {failover: 'enable'}}), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}]))},
    expect: [],
  },
  {
    name: 'Workspace not in the run, nothing anywhere matches → warning',
    contexts: {'cluster-1': y(...bookinfo(), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}]))},
    expect: [KEY],
  },
  {
    name: 'the workspace\'s namespaces hold no Service in the run (its clusters were not read) → nothing to judge',
    contexts: {'cluster-1': y(ns('default'), svc('other', 'default'), workspace(), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}]))},
    expect: [],
  },
  {
    name: 'cluster-specific namespace selector: only cluster-2\'s bookinfo is in the workspace, and only cluster-1 has the label → warning',
    contexts: {
      'cluster-1': y(...bookinfo({details: {failover: 'enable'}}), workspace(['cluster-2/bookinfo']), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}])),
      'cluster-2': y(...bookinfo()),
    },
    expect: [KEY],
  },
  {
    name: 'cluster-specific namespace selector matching the labelled cluster → nothing',
    contexts: {
      'cluster-1': y(...bookinfo({details: {failover: 'enable'}}), workspace(['cluster-1/bookinfo']), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}])),
      'cluster-2': y(...bookinfo()),
    },
    expect: [],
  },
  {
    name: 'the same WorkspaceSetting in two bundle folders is reported once',
    contexts: {'cluster-1': y(...bookinfo(), workspace(), setting(SEED_SELECTORS)), 'cluster-2': y(...bookinfo(), workspace(), setting(SEED_SELECTORS))},
    expect: [KEY],
  },
  {name: 'no WorkspaceSetting (plain Istio) → nothing', contexts: {'cluster-1': y(...bookinfo())}, expect: []},
];

describe('FO506 exposed-services-selector-unmatched', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo506.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      for (const f of findings) {
        expect(f.severity).toBe('warning');
        expect(f.remediation?.commands.length).toBeGreaterThan(0);
      }
    });
  }

  it('names the unmatched selector, and labels the Services present in both clusters (never overwriting a label)', () => {
    const [f] = fo506.run(snapshotFromYaml({'cluster-1': y(...bookinfo(), workspace(), setting(SEED_SELECTORS)), 'cluster-2': y(...bookinfo())}));
    expect(f!.details).toMatchObject({
      workspace: 'bookinfo-ws',
      workspaceFound: true,
      misplacedEastWestSettings: false,
      unmatchedSelectors: [{where: 'spec.defaultEastWestGatewaySettings[0].exposedServices[0]', serviceLabels: {failover: 'enable'}, nearMisses: []}],
      workspaceNamespaces: ['bookinfo'],
    });
    expect(f!.message).toContain('{failover=enable} matches none of the 8 Service(s) of the workspace');
    expect(f!.remediation!.commands).toContain('kubectl --context cluster-1 -n bookinfo label service details failover=enable');
    expect(f!.remediation!.commands).toContain('kubectl --context cluster-2 -n bookinfo label service details failover=enable');
    expect(f!.remediation!.commands.every((c) => !c.includes('--overwrite'))).toBe(true);
  });

  it('a near miss (failover=enabled) is named, and the selector is what to fix: no label command overwrites it', () => {
    const labels = {details: {failover: 'enabled'}, ratings: {failover: 'enabled'}, reviews: {failover: 'enabled'}, productpage: {failover: 'enabled'}};
    const [f] = fo506.run(snapshotFromYaml({'cluster-1': y(...bookinfo(labels), workspace(), setting([{...GW, exposedServices: [{serviceLabels: {failover: 'enable'}}]}]))}));
    expect(f!.message).toContain('bookinfo/details @cluster-1 has failover=enabled');
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster-1 -n bookinfo get services --show-labels']);
    expect(f!.remediation!.summary).toContain('correct the selector');
  });

  it('the broken indentation: the snippet is the WorkspaceSetting with the settings moved under spec, applied with tctl', () => {
    const [f] = fo506.run(snapshotFromYaml({'cluster-1': y(...bookinfo({details: {failover: 'enable'}}), workspace(), SEED_BROKEN)}));
    expect(f!.details).toMatchObject({misplacedEastWestSettings: true});
    expect(f!.message).toContain('beside spec');
    const fixed = parse(f!.remediation!.snippet!) as O;
    expect(fixed).toEqual({
      apiVersion: 'api.tsb.tetrate.io/v2',
      kind: 'WorkspaceSetting',
      metadata: {organization: 'tetrate', tenant: 'tetrate', workspace: 'bookinfo-ws', name: 'bookinfo-ws-setting'},
      spec: {defaultEastWestGatewaySettings: SEED_SELECTORS},
    });
    expect(f!.remediation!.commands[0]).toMatch(/^tctl apply -f - <<'EOF'\n[\s\S]*\nEOF$/);
  });
});
