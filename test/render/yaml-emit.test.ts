import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {directYaml, toYaml} from '../../src/render/yaml-emit.js';
import {Rng} from '../support/rng.js';

const STRINGS = [
  'helloworld', 'helloworld.sample.svc.cluster.local', 'us-east1', 'us-east1/us-east1-b', '10s', '30s', '1m', 'v1',
  'networking.istio.io/v1', 'DestinationRule', 'a', 'A_B', '0', '1', '007', '1.5', '1e3', '-1', '+1', '.5', '0x1F', '0o17',
  'true', 'false', 'True', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', '~', '', ' ', 'a b', 'a: b', 'a #b', '#a',
  '-a', '- a', '.a', '.inf', '.nan', '-.inf', '<REGION>', '<ADDRESS-IN-ANOTHER-REGION>', 'a\nb', "it's", '"q"', '[x]', '{y}',
  '*x', '&x', '!x', '%x', '@x', '`x', '|', '>', '?', ':', ',', 'é', 'x'.repeat(70), `${'abc-'.repeat(30)}z`, 'a/b/c', '/x',
  '_x', 'x_', 'us-east1/*', '*', '<x', 'x>', '<', '>x', 'a*b', 'x.', 'x-', '1-2', '1.2.3', '2026-11-22', '12:30', '=', '<<', 'topology.kubernetes.io/region',
];
const NUMBERS = [0, 1, 5, 100, -3, 2 ** 31, Number.MAX_SAFE_INTEGER, 1.5, 0.1, -0, 1e21, NaN, Infinity];

function value(rng: Rng, depth: number): unknown {
  const r = (): number => rng.next();
  const x = r();
  if (depth > 3 || x < 0.45) {
    const y = r();
    if (y < 0.6) return STRINGS[Math.floor(r() * STRINGS.length)];
    if (y < 0.8) return NUMBERS[Math.floor(r() * NUMBERS.length)];
    if (y < 0.9) return r() < 0.5;
    if (y < 0.95) return null;
    return r() < 0.5 ? {} : [];
  }
  if (x < 0.75) {
    const o: Record<string, unknown> = {};
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) o[STRINGS[Math.floor(r() * STRINGS.length)]!] = r() < 0.05 ? undefined : value(rng, depth + 1);
    return o;
  }
  return Array.from({length: Math.floor(r() * 4)}, () => value(rng, depth + 1));
}

describe('toYaml', () => {
  it('writes what yaml writes, on 20,000 generated documents', () => {
    const r = new Rng(20261122);
    let direct = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = {root: value(r, 0), list: [value(r, 1), value(r, 1)]};
      const d = directYaml(v);
      if (d !== undefined) {
        direct++;
        expect(d, JSON.stringify(v)).toBe(stringify(v));
      }
      expect(toYaml(v, {lineWidth: 0})).toBe(stringify(v, {lineWidth: 0}));
    }
    // Both paths are exercised: a good share of documents is written directly, the rest by yaml.
    expect(direct).toBeGreaterThan(1_000);
    expect(direct).toBeLessThan(18_000);
  });

  it('writes the remediation shapes the checks produce exactly as yaml does', () => {
    const docs: unknown[] = [
      {localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west1'}], failoverPriority: ['topology.istio.io/network', 'topology.kubernetes.io/region']}},
      {localityLbSetting: {distribute: [{from: 'us-east1/*', to: {'us-east1/*': 80, 'us-west1/*': 20}}]}},
      {spec: {endpoints: [{address: '1.2.3.4', locality: 'us-east1/us-east1-b'}, {address: '<ADDRESS-IN-ANOTHER-REGION>', locality: '<REGION>/<ZONE>'}]}},
      {spec: {template: {spec: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: {matchLabels: {app: 'x'}}}]}}}},
      {a: [[1, 2], [], {}, [{b: 1}]]},
      [],
      {},
      {a: undefined},
    ];
    for (const d of docs) expect(toYaml(d)).toBe(stringify(d));
    // These are the documents the direct path is for.
    expect(docs.filter((d) => directYaml(d) !== undefined).length).toBe(docs.length);
  });

  it('leaves shared objects (anchors), cycles and non-plain objects to yaml', () => {
    const shared = {x: 1};
    const twice = {a: shared, b: shared};
    expect(directYaml(twice)).toBeUndefined();
    expect(toYaml(twice)).toBe(stringify(twice));
    expect(toYaml(twice)).toContain('&');
    const cyc: Record<string, unknown> = {a: 1};
    cyc.self = cyc;
    expect(directYaml(cyc)).toBeUndefined();
    expect(toYaml(cyc)).toBe(stringify(cyc));
    const date = {when: new Date(0)};
    expect(directYaml(date)).toBeUndefined();
    expect(toYaml(date)).toBe(stringify(date));
    const emptyShared: unknown[] = [];
    const e2 = {a: emptyShared, b: emptyShared};
    expect(directYaml(e2)).toBeUndefined();
    expect(toYaml(e2)).toBe(stringify(e2));
  });
});
