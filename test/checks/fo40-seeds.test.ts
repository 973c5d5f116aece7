import {describe, expect, it} from 'vitest';
import {CHECKS} from '../../src/checks/index.js';
import {runChecks} from '../../src/checks/run.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {ROOT_B, seed000Pair, seed003Pair} from './fo40-fixtures.js';

const FO4 = CHECKS.filter((c) => c.meta.code.startsWith('FO4') && c.meta.code !== 'FO407');

function fo4Keys(contexts: Record<string, string>): string[] {
  const report = runChecks(snapshotFromYaml(contexts), FO4);
  expect(report.notes.filter((n) => n.includes('failed'))).toEqual([]);
  return keysOf(report.findings);
}

describe('FO4xx on the seeds', () => {
  it('registers FO401-FO406, FO408, FO409', () => {
    expect(FO4.map((c) => c.meta.code)).toEqual(['FO401', 'FO402', 'FO403', 'FO404', 'FO405', 'FO406', 'FO408', 'FO409']);
  });

  it('seed 000 done right: nothing fires', () => {
    expect(fo4Keys(seed000Pair())).toEqual([]);
  });

  it('seed 000 without istio.io/global on cluster2\'s waypoint Service: FO402 @cluster2 only', () => {
    expect(fo4Keys(seed000Pair({}, {waypointGlobal: false}))).toEqual(['FO402 Service sample/waypoint @cluster2']);
  });

  it('seed 000 with different root certificates: FO406', () => {
    expect(fo4Keys(seed000Pair({}, {rootCerts: [ROOT_B]}))).toEqual(['FO406 ConfigMap istio-system/istio-ca-root-cert @cluster1', 'FO406 ConfigMap istio-system/istio-ca-root-cert @cluster2']);
  });

  it('seed 003 (Tetrate, no remote secrets): nothing fires, FO408 in particular', () => {
    expect(fo4Keys(seed003Pair())).toEqual([]);
  });

  it('seed 003 with WorkloadEntries on another network: the Tetrate east-west Service counts as the gateway', () => {
    expect(fo4Keys(seed003Pair({network: 'net1', weNetwork: 'net2'}, {network: 'net2', weNetwork: 'net1'}))).toEqual([]);
  });
});
