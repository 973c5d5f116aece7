import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo111} from '../../src/checks/fo111-duplicate-destination-rules.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const dr = (name: string, ns: string, host: string, spec: O = {}, created?: string): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: {name, namespace: ns, ...(created ? {creationTimestamp: created} : {})},
  spec: {host, ...spec},
});
const FQDN = 'helloworld.sample.svc.cluster.local';
const T1 = '2024-01-01T00:00:00Z';
const T2 = '2024-02-01T00:00:00Z';
const T3 = '2024-03-01T00:00:00Z';
const OD = {outlierDetection: {consecutive5xxErrors: 5}};
const POOL = {connectionPool: {tcp: {maxConnections: 100}}};
const SUBSETS = {subsets: [{name: 'v1', labels: {version: 'v1'}}]};

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'two rules for one host, both with a trafficPolicy → warning on the later one',
    contexts: {c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('helloworld-failover', 'sample', FQDN, {trafficPolicy: OD}, T2))},
    expect: ['FO111 DestinationRule sample/helloworld-failover @c1'],
  },
  {
    name: 'age decides, not the name: the older rule wins',
    contexts: {c1: y(dr('z-old', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('a-new', 'sample', FQDN, {trafficPolicy: OD}, T2))},
    expect: ['FO111 DestinationRule sample/a-new @c1'],
  },
  {
    name: 'a short name and the FQDN are the same host after resolution',
    contexts: {c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('short', 'sample', 'helloworld', {trafficPolicy: OD}, T2))},
    expect: ['FO111 DestinationRule sample/short @c1'],
  },
  {
    name: 'done right: the later rule only adds subsets (they merge)',
    contexts: {c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: {...POOL, ...OD}}, T1), dr('helloworld-subsets', 'sample', FQDN, SUBSETS, T2))},
    expect: [],
  },
  {
    name: 'the oldest has no trafficPolicy: the next one\'s applies, nothing dropped',
    contexts: {c1: y(dr('helloworld-subsets', 'sample', FQDN, SUBSETS, T1), dr('helloworld', 'sample', FQDN, {trafficPolicy: OD}, T2))},
    expect: [],
  },
  {
    name: 'the later rule repeats the same policy: nothing lost',
    contexts: {c1: y(dr('a', 'sample', FQDN, {trafficPolicy: OD}, T1), dr('b', 'sample', FQDN, {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}, T2))},
    expect: [],
  },
  {
    name: 'different namespaces: not merged (lookup order decides, not this check)',
    contexts: {c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('helloworld', 'istio-system', FQDN, {trafficPolicy: OD}, T2))},
    expect: [],
  },
  {
    name: 'distinct workloadSelectors: not merged',
    contexts: {
      c1: y(
        dr('for-a', 'sample', FQDN, {trafficPolicy: POOL, workloadSelector: {matchLabels: {app: 'a'}}}, T1),
        dr('for-b', 'sample', FQDN, {trafficPolicy: OD, workloadSelector: {matchLabels: {app: 'b'}}}, T2),
      ),
    },
    expect: [],
  },
  {
    name: 'one with and one without workloadSelector: separate entries',
    contexts: {c1: y(dr('all', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('for-b', 'sample', FQDN, {trafficPolicy: OD, workloadSelector: {matchLabels: {app: 'b'}}}, T2))},
    expect: [],
  },
  {
    name: 'equal workloadSelectors: merged → warning',
    contexts: {
      c1: y(
        dr('for-a', 'sample', FQDN, {trafficPolicy: POOL, workloadSelector: {matchLabels: {app: 'a'}}}, T1),
        dr('for-a-2', 'sample', FQDN, {trafficPolicy: OD, workloadSelector: {matchLabels: {app: 'a'}}}, T2),
      ),
    },
    expect: ['FO111 DestinationRule sample/for-a-2 @c1'],
  },
  {
    name: 'a wildcard and an exact host are different hosts (the most specific wins)',
    contexts: {c1: y(dr('all', 'sample', '*.sample.svc.cluster.local', {trafficPolicy: POOL}, T1), dr('helloworld', 'sample', FQDN, {trafficPolicy: OD}, T2))},
    expect: [],
  },
  {
    name: 'three rules: both later ones are named',
    contexts: {
      c1: y(
        dr('one', 'sample', FQDN, {trafficPolicy: POOL}, T1),
        dr('two', 'sample', FQDN, {trafficPolicy: OD}, T2),
        dr('three', 'sample', FQDN, {trafficPolicy: {loadBalancer: {simple: 'ROUND_ROBIN'}}}, T3),
      ),
    },
    expect: ['FO111 DestinationRule sample/three @c1', 'FO111 DestinationRule sample/two @c1'],
  },
  {
    name: 'the same object listed twice (two files of a bundle) is not a duplicate',
    contexts: {c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('helloworld', 'sample', FQDN, {trafficPolicy: OD}, T1))},
    expect: [],
  },
  {
    name: 'per context: the same pair in another cluster fires there too',
    contexts: {
      c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('helloworld-failover', 'sample', FQDN, {trafficPolicy: OD}, T2)),
      c2: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: {...POOL, ...OD}}, T1)),
    },
    expect: ['FO111 DestinationRule sample/helloworld-failover @c1'],
  },
];

describe('FO111 duplicate-destination-rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo111.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('names the applied rule, the dropped fields, and moves them over', () => {
    const [f] = fo111.run(snapshotFromYaml({c1: y(dr('helloworld', 'sample', FQDN, {trafficPolicy: POOL}, T1), dr('helloworld-failover', 'sample', FQDN, {trafficPolicy: OD}, T2))}));
    expect(f!.severity).toBe('warning');
    expect(f!.message).toContain("keeps only sample/helloworld's trafficPolicy");
    expect(f!.message).toContain('trafficPolicy.outlierDetection of sample/helloworld-failover');
    expect(f!.details).toMatchObject({appliedRule: 'sample/helloworld', missingInApplied: ['outlierDetection'], conflicting: []});
    expect(f!.remediation!.patch).toBeUndefined(); // two objects change: reviewed by hand
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context c1 -n sample patch destinationrule helloworld --type merge -p '{"spec":{"trafficPolicy":{"outlierDetection":{"consecutive5xxErrors":5}}}}'`,
      `kubectl --context c1 -n sample patch destinationrule helloworld-failover --type merge -p '{"spec":{"trafficPolicy":null}}'`,
    ]);
  });

  it('conflicting fields: says whose values are in force and asks to choose', () => {
    const [f] = fo111.run(
      snapshotFromYaml({c1: y(dr('a', 'sample', FQDN, {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 50}}}, T1), dr('b', 'sample', FQDN, {trafficPolicy: OD}, T2))}),
    );
    expect(f!.message).toContain("Both set outlierDetection, differently: sample/a's values are the ones in force");
    expect(f!.remediation!.commands.some((c) => c.includes('edit destinationrule a'))).toBe(true);
  });

  it('without creation times, says the order is assumed', () => {
    const [f] = fo111.run(snapshotFromYaml({c1: y(dr('a', 'sample', FQDN, {trafficPolicy: POOL}), dr('b', 'sample', FQDN, {trafficPolicy: OD}))}));
    expect(f!.object.name).toBe('b');
    expect(f!.message).toContain('creation times unknown');
  });
});
