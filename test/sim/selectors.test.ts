/** Label and field selectors of the simulated cluster, against the apimachinery grammar. */
import {describe, expect, it} from 'vitest';
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from '../support/sim/selectors.js';

const labels = {app: 'helloworld', version: 'v2', 'topology.istio.io/network': 'net1', replicas: '3'};

describe('label selectors', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=helloworld', true],
    ['app==helloworld', true],
    ['app = helloworld', true],
    ['app=sleep', false],
    ['app!=sleep', true],
    ['missing!=x', true],
    ['app!=helloworld', false],
    ['version in (v1, v2)', true],
    ['version in (v1)', false],
    ['missing in (v1)', false],
    ['version notin (v1)', true],
    ['version notin (v2,v3)', false],
    ['missing notin (v1)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['topology.istio.io/network=net1', true],
    ['app=helloworld,version=v1', false],
    ['app=helloworld,version=v2,!missing', true],
    ['replicas>2', true],
    ['replicas<3', false],
    ['missing=', false],
    ['version in (,v2)', true],
  ];
  it.each(cases)('%j → %s', (sel, expected) => {
    const p = parseLabelSelector(sel);
    if (!p.ok) throw new Error(p.error);
    expect(matchesLabels(p.value, labels)).toBe(expected);
  });

  it('matches an object without labels only by absence', () => {
    const absent = parseLabelSelector('!app,x notin (y)');
    const present = parseLabelSelector('app');
    expect(absent.ok && matchesLabels(absent.value, undefined)).toBe(true);
    expect(present.ok && matchesLabels(present.value, undefined)).toBe(false);
  });

  it.each(['app in v1', 'a b', '=x', 'app=(x', 'app in ()', 'app,', 'app=x y', 'a!b', 'in (', 'app>x', 'bad key=1', '-app=x'])('rejects %j', (sel) => {
    const p = parseLabelSelector(sel);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error).toMatch(/^unable to parse requirement: /);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName'];
  const pod = {metadata: {name: 'a', namespace: 'sample'}, spec: {nodeName: 'node-1'}};
  it.each([
    ['metadata.name=a', true],
    ['metadata.name==a', true],
    ['metadata.name!=a', false],
    ['metadata.namespace=sample,spec.nodeName=node-1', true],
    ['spec.nodeName=node-2', false],
    ['spec.nodeName!=', true],
  ] as const)('%s → %s', (sel, expected) => {
    const p = parseFieldSelector(sel, supported);
    if (!p.ok) throw new Error(p.error);
    expect(matchesFields(p.value, pod)).toBe(expected);
  });

  it('reads escaped commas and equals signs in values', () => {
    const p = parseFieldSelector('metadata.name=a\\,b\\=c', supported);
    expect(p.ok && p.value).toEqual([{field: 'metadata.name', op: '=', value: 'a,b=c'}]);
  });

  it('refuses fields the server does not index, and nonsense', () => {
    expect(parseFieldSelector('spec.host=x', supported)).toEqual({ok: false, error: 'field label not supported: spec.host'});
    expect(parseFieldSelector('metadata.name', supported).ok).toBe(false);
  });
});
