import {describe, expect, it} from 'vitest';
import {applyJsonPatch, applyMergePatch, fixScript, fixYaml, planPatches, yamlDiff} from '../../src/remedy/plan.js';
import {patchRemediation, labelRemediation} from '../../src/remedy/kubectl.js';
import {quote} from '../../src/remedy/shell.js';
import type {Finding} from '../../src/model/types.js';

const dr = {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'sample', name: 'helloworld'};
const base = {check: 'x', severity: 'error' as const, context: 'c1', message: 'm', why: 'w', docs: 'd'};

describe('remediation plan', () => {
  const findings: Finding[] = [
    {...base, code: 'FO102', object: dr, remediation: patchRemediation('raise mep', 'c1', dr, {spec: {trafficPolicy: {outlierDetection: {maxEjectionPercent: 100}}}})},
    {...base, code: 'FO101', object: dr, remediation: patchRemediation('add od', 'c1', dr, {spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}})},
    {...base, code: 'FO402', object: {apiVersion: 'v1', kind: 'Service', namespace: 'sample', name: 'waypoint'}, remediation: labelRemediation('label', 'c2', {apiVersion: 'v1', kind: 'Service', namespace: 'sample', name: 'waypoint'}, {'istio.io/global': 'true'})},
    {...base, code: 'FO303', object: dr, remediation: {summary: 'by hand', commands: ['istioctl waypoint apply']}},
  ];
  it('merges the patches of one object and keeps only patch remediations', () => {
    const plan = planPatches(findings);
    expect(plan).toHaveLength(2);
    expect(plan[0]!.codes).toEqual(['FO102', 'FO101']);
    expect(plan[0]!.patch.body).toEqual({spec: {trafficPolicy: {outlierDetection: {maxEjectionPercent: 100, consecutive5xxErrors: 5}}}});
    const script = fixScript(plan, findings);
    expect(script).toContain(`kubectl --context c1 -n sample patch destinationrule helloworld --type merge -p '{"spec":{"trafficPolicy":{"outlierDetection":{"maxEjectionPercent":100,"consecutive5xxErrors":5}}}}'`);
    expect(script).toContain('#   istioctl waypoint apply');
    expect(fixYaml(plan)).toContain('fixes:\n  - FO102\n  - FO101');
  });
  it('applies merge and JSON patches as the API server does', () => {
    expect(applyMergePatch({a: 1, b: {c: 2, d: 3}, l: [1]}, {b: {c: null, e: 4}, l: [2]})).toEqual({a: 1, b: {d: 3, e: 4}, l: [2]});
    expect(applyJsonPatch({spec: {p: [{n: 1}, {n: 2}]}}, [{op: 'add', path: '/spec/p/1/od', value: {x: 1}}, {op: 'remove', path: '/spec/p/0'}])).toEqual({spec: {p: [{n: 2, od: {x: 1}}]}});
  });
  it('shows a line diff', () => {
    expect(yamlDiff({a: 1, b: 2}, {a: 1, b: 3})).toBe('- b: 2\n+ b: 3');
  });
  it('quotes hostile values so a copied command does exactly what it says', () => {
    expect(quote("x'; rm -rf / #")).toBe(`'x'\\''; rm -rf / #'`);
    expect(quote('$(reboot)')).toBe("'$(reboot)'");
    expect(quote('plain-name.v1')).toBe('plain-name.v1');
  });
});
