import {describe, expect, it} from 'vitest';
import {LABEL} from '../../src/istio/constants.js';
import {parseLocality} from '../../src/istio/locality.js';
import type {LocalityLbSetting} from '../../src/istio/types.js';
import {assignPriorities, lbPriority, localityMatch, parsePriorityLabels} from '../../src/traffic/priorities.js';
import type {ClientProxy, ModelEndpoint, PriorityResult} from '../../src/traffic/types.js';

/** An endpoint with AugmentLabels-style labels derived from its locality, cluster and network. */
function ep(address: string, locality: string, extra: {cluster?: string; network?: string; labels?: Record<string, string>; weight?: number} = {}): ModelEndpoint {
  const l = parseLocality(locality);
  const cluster = extra.cluster ?? 'cluster1';
  const labels: Record<string, string> = {...(extra.labels ?? {})};
  if (l.region) labels[LABEL.region] = l.region;
  if (l.zone) labels[LABEL.zone] = l.zone;
  if (l.subZone) labels[LABEL.subzone] = l.subZone;
  labels[LABEL.cluster] = cluster;
  if (extra.network) labels[LABEL.network] ??= extra.network;
  return {
    address, port: 8080, locality: l, labels, cluster, weight: extra.weight ?? 1,
    ...(extra.network ? {network: extra.network} : {}),
    source: {kind: 'Pod', context: cluster, namespace: 'sample', name: `pod-${address}`},
  };
}

function proxy(locality: string, extra: {cluster?: string; network?: string; labels?: Record<string, string>} = {}): ClientProxy {
  const e = ep('proxy', locality, extra);
  return {locality: e.locality, labels: e.labels, cluster: e.cluster, ...(e.network ? {network: e.network} : {})};
}

/** address -> priority */
const prio = (r: PriorityResult): Record<string, number> => Object.fromEntries(r.assignments.map((a) => [a.endpoint.address, a.priority]));
const reason = (r: PriorityResult, address: string): string => r.assignments.find((a) => a.endpoint.address === address)!.reason;
const OD = {failoverEnabled: true};

// The research doc's worked example: client in us-east-1a; 3 hosts in 1a, 3 in 1b, 4 in us-west-2.
const example: ModelEndpoint[] = [
  ep('10.0.0.1', 'us-east-1/us-east-1a'), ep('10.0.0.2', 'us-east-1/us-east-1a'), ep('10.0.0.3', 'us-east-1/us-east-1a'),
  ep('10.0.1.1', 'us-east-1/us-east-1b'), ep('10.0.1.2', 'us-east-1/us-east-1b'), ep('10.0.1.3', 'us-east-1/us-east-1b'),
  ep('10.1.0.1', 'us-west-2/us-west-2a'), ep('10.1.0.2', 'us-west-2/us-west-2a'), ep('10.1.0.3', 'us-west-2/us-west-2b'), ep('10.1.0.4', 'us-west-2/us-west-2b'),
];
const client = proxy('us-east-1/us-east-1a');

describe('util helpers', () => {
  it('lbPriority tiers', () => {
    const p = parseLocality('r/z/s');
    expect(lbPriority(p, parseLocality('r/z/s'))).toBe(0);
    expect(lbPriority(p, parseLocality('r/z/t'))).toBe(1);
    expect(lbPriority(p, parseLocality('r/y/s'))).toBe(2);
    expect(lbPriority(p, parseLocality('q/z/s'))).toBe(3);
    expect(lbPriority(p, parseLocality(''))).toBe(3);
    // An empty proxy locality equals an empty endpoint locality.
    expect(lbPriority(parseLocality(''), parseLocality(''))).toBe(0);
  });
  it('localityMatch wildcards', () => {
    const l = parseLocality('us-east-1/us-east-1a/rack1');
    expect(localityMatch(l, '*')).toBe(true);
    expect(localityMatch(l, 'us-east-1/*')).toBe(true);
    expect(localityMatch(l, 'us-east-1')).toBe(true);
    expect(localityMatch(l, 'us-east-1/us-east-1a')).toBe(true);
    expect(localityMatch(l, 'us-east-1/us-east-1b')).toBe(false);
    expect(localityMatch(l, 'us-east-1/us-east-1a/rack2')).toBe(false);
    expect(localityMatch(l, 'us-west-2/*')).toBe(false);
    expect(localityMatch(parseLocality(''), 'us-east-1/*')).toBe(false);
  });
  it('parsePriorityLabels splits on "=" like strings.Split, override only with exactly 2 parts', () => {
    expect(parsePriorityLabels(['a', 'b=c', 'd=e=f', 'g='])).toEqual([
      {key: 'a', malformed: false, raw: 'a'},
      {key: 'b', override: 'c', malformed: false, raw: 'b=c'},
      {key: 'd', malformed: true, raw: 'd=e=f'},
      {key: 'g', override: '', malformed: false, raw: 'g='},
    ]);
  });
});

describe('assignPriorities: off and no outlier detection', () => {
  it('setting undefined: no locality LB, everything priority 0', () => {
    const r = assignPriorities(example, client, undefined, OD);
    expect(r.mode).toBe('none');
    expect(new Set(Object.values(prio(r)))).toEqual(new Set([0]));
    expect(r.dropped).toEqual([]);
  });
  it('enabled: false is treated as off', () => {
    const r = assignPriorities(example, client, {enabled: false, failover: [{from: 'us-east-1', to: 'us-west-2'}]}, OD);
    expect(r.mode).toBe('none');
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
  });
  it('no outlierDetection: every endpoint priority 0, even with failover rules', () => {
    const r = assignPriorities(example, client, {enabled: true, failover: [{from: 'us-east-1', to: 'us-west-2'}]}, {failoverEnabled: false});
    expect(r.mode).toBe('none');
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
    expect(reason(r, '10.1.0.1')).toBe('no outlierDetection: Istio assigns every endpoint priority 0');
  });
});

describe('assignPriorities: default tiers', () => {
  it('client in us-east-1a: same zone 0, same region 1, other region 2 (compacted from 0/2/3)', () => {
    const r = assignPriorities(example, client, {enabled: true}, OD);
    expect(r.mode).toBe('default-tiers');
    expect(prio(r)).toEqual({
      '10.0.0.1': 0, '10.0.0.2': 0, '10.0.0.3': 0,
      '10.0.1.1': 1, '10.0.1.2': 1, '10.0.1.3': 1,
      '10.1.0.1': 2, '10.1.0.2': 2, '10.1.0.3': 2, '10.1.0.4': 2,
    });
    expect(reason(r, '10.0.0.1')).toBe('same zone as the proxy (us-east-1/us-east-1a)');
    expect(reason(r, '10.0.1.1')).toBe('same region as the proxy (us-east-1), other zone (us-east-1b)');
    expect(reason(r, '10.1.0.1')).toBe('other region (us-west-2) than the proxy (us-east-1)');
    // sorted by priority then address
    expect(r.assignments.map((a) => a.endpoint.address)).toEqual([
      '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.1', '10.0.1.2', '10.0.1.3', '10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4',
    ]);
  });
  it('subzones: same subzone 0, same zone other subzone 1', () => {
    const r = assignPriorities([ep('a', 'r/z/s1'), ep('b', 'r/z/s2'), ep('c', 'r/y/s1')], proxy('r/z/s1'), {}, OD);
    expect(prio(r)).toEqual({a: 0, b: 1, c: 2});
    expect(reason(r, 'a')).toBe('same subzone as the proxy (r/z/s1)');
    expect(reason(r, 'b')).toContain('other subzone (s2)');
  });
  it('endpoints with no locality are in the other-region tier', () => {
    const r = assignPriorities([ep('a', 'r/z'), ep('b', ''), ep('c', 'q/z')], proxy('r/z'), {enabled: true}, OD);
    expect(prio(r)).toEqual({a: 0, b: 1, c: 1});
    expect(reason(r, 'b')).toBe('endpoint has no locality: other-region tier');
    expect(r.notes.some((n) => n.includes('1 endpoint(s) have no locality'))).toBe(true);
  });
  it('only remote endpoints: they become priority 0 after compaction', () => {
    const r = assignPriorities([ep('x', 'us-west-2/a'), ep('y', 'eu-west-1/b')], client, {}, OD);
    expect(prio(r)).toEqual({x: 0, y: 0});
  });
  it('proxy with no locality: everything with a region shares one tier -> all 0', () => {
    const r = assignPriorities(example, proxy(''), {enabled: true, failover: [{from: 'us-east-1', to: 'us-west-2'}]}, OD);
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
    expect(r.notes.some((n) => n.includes('the proxy has no locality'))).toBe(true);
  });
  it('proxy with no locality: an endpoint with no locality "matches" it and comes first', () => {
    const r = assignPriorities([ep('a', 'r/z'), ep('b', '')], proxy(''), {}, OD);
    expect(prio(r)).toEqual({b: 0, a: 1});
  });
  it('no proxy at all behaves as a proxy with no locality', () => {
    const r = assignPriorities(example, undefined, {}, OD);
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
    expect(r.notes[0]).toContain('no client proxy');
  });
});

describe('assignPriorities: failover from/to', () => {
  const eps = [ep('e1', 'us-east-1/us-east-1a'), ep('e2', 'us-east-1/us-east-1b'), ep('w1', 'us-west-2/us-west-2a'), ep('u1', 'eu-west-1/eu-west-1a'), ep('n1', '')];
  it('the `to` region is tier 3, other regions and no-locality endpoints 4', () => {
    const r = assignPriorities(eps, client, {failover: [{from: 'us-east-1', to: 'us-west-2'}]}, OD);
    expect(r.mode).toBe('failover');
    expect(prio(r)).toEqual({e1: 0, e2: 1, w1: 2, u1: 3, n1: 3});
    expect(reason(r, 'w1')).toBe('failover target region us-west-2');
    expect(reason(r, 'u1')).toBe('region eu-west-1: not the failover target us-west-2 of us-east-1, last tier');
    expect(reason(r, 'n1')).toContain('no locality: not the failover target');
  });
  it('only the first rule with the proxy region as from applies', () => {
    const r = assignPriorities(eps, client, {failover: [{from: 'us-east-1', to: 'eu-west-1'}, {from: 'us-east-1', to: 'us-west-2'}]}, OD);
    expect(prio(r)).toEqual({e1: 0, e2: 1, u1: 2, w1: 3, n1: 3});
    expect(r.notes.some((n) => n.includes('later failover rule(s) from us-east-1 are ignored'))).toBe(true);
  });
  it('no rule from the proxy region: default tiers, note says so', () => {
    const r = assignPriorities(eps, client, {failover: [{from: 'eu-west-1', to: 'us-west-2'}]}, OD);
    expect(prio(r)).toEqual({e1: 0, e2: 1, w1: 2, u1: 2, n1: 2});
    expect(r.notes.some((n) => n.includes('no failover rule from'))).toBe(true);
  });
  it('from matches the region exactly, not a prefix', () => {
    const r = assignPriorities(eps, client, {failover: [{from: 'us-east', to: 'us-west-2'}]}, OD);
    expect(prio(r).u1).toBe(prio(r).w1);
  });
});

describe('assignPriorities: failoverPriority', () => {
  // seed 000: waypoint in cluster1, endpoints in cluster1 and cluster2, failoverPriority [topology.istio.io/cluster]
  const mc = [ep('10.1.0.5', 'r1/z1', {cluster: 'cluster1'}), ep('10.2.0.5', 'r1/z1', {cluster: 'cluster2'}), ep('10.2.0.6', 'r2/z9', {cluster: 'cluster2'})];
  const waypoint = proxy('r1/z1', {cluster: 'cluster1'});
  it('cluster label: cluster1 endpoints 0, cluster2 1', () => {
    const r = assignPriorities(mc, waypoint, {failoverPriority: [LABEL.cluster]}, OD);
    expect(r.mode).toBe('failover-priority');
    expect(prio(r)).toEqual({'10.1.0.5': 0, '10.2.0.5': 1, '10.2.0.6': 1});
    expect(reason(r, '10.2.0.5')).toBe('label topology.istio.io/cluster differs (cluster2 ≠ cluster1)');
    expect(reason(r, '10.1.0.5')).toBe('matches the proxy on every failoverPriority label');
  });
  it('without outlier detection the same setting gives all 0', () => {
    const r = assignPriorities(mc, waypoint, {failoverPriority: [LABEL.cluster]}, {failoverEnabled: false});
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
  });
  it('N labels: first mismatch at j gives N-j, then compaction', () => {
    const eps = [ep('a', 'r/z'), ep('b', 'r/y'), ep('c', 'q/z')];
    const r = assignPriorities(eps, proxy('r/z'), {failoverPriority: [LABEL.region, LABEL.zone]}, OD);
    expect(prio(r)).toEqual({a: 0, b: 1, c: 2});
    // raw 0 and 2 only (no zone-only mismatch): compacted to 0 and 1
    const r2 = assignPriorities([ep('a', 'r/z'), ep('c', 'q/z')], proxy('r/z'), {failoverPriority: [LABEL.region, LABEL.zone]}, OD);
    expect(prio(r2)).toEqual({a: 0, c: 1});
  });
  it('key=value override replaces the proxy value', () => {
    const r = assignPriorities(mc, waypoint, {failoverPriority: [`${LABEL.cluster}=cluster2`]}, OD);
    expect(prio(r)).toEqual({'10.2.0.5': 0, '10.2.0.6': 0, '10.1.0.5': 1});
    expect(reason(r, '10.1.0.5')).toContain('override');
  });
  it('malformed override (two "="): the key is used with no override, and a note is made', () => {
    const r = assignPriorities(mc, waypoint, {failoverPriority: [`${LABEL.cluster}=cluster2=x`]}, OD);
    expect(prio(r)).toEqual({'10.1.0.5': 0, '10.2.0.5': 1, '10.2.0.6': 1});
    expect(r.notes.some((n) => n.includes('more than one'))).toBe(true);
  });
  it('"key=" overrides with the empty value: endpoints without the label match', () => {
    const eps = [ep('a', 'r/z', {labels: {tier: 'gold'}}), ep('b', 'r/z')];
    const r = assignPriorities(eps, proxy('r/z', {labels: {tier: 'gold'}}), {failoverPriority: ['tier=']}, OD);
    expect(prio(r)).toEqual({b: 0, a: 1});
  });
  it('a label absent on both sides matches; present only on the endpoint does not', () => {
    const eps = [ep('a', 'r/z'), ep('b', 'r/z', {labels: {team: 'x'}})];
    const r = assignPriorities(eps, proxy('r/z'), {failoverPriority: ['team']}, OD);
    expect(prio(r)).toEqual({a: 0, b: 1});
    expect(reason(r, 'a')).toContain('absent on both');
    expect(reason(r, 'b')).toBe('label team differs (x ≠ (none))');
  });
  it('network first: other-network endpoints get N..2N-1 after same-network ones', () => {
    const eps = [
      ep('s-same', 'r/z', {cluster: 'cluster1', network: 'net1'}),
      ep('s-other', 'r/z', {cluster: 'cluster2', network: 'net1'}),
      ep('o-same', 'r/z', {cluster: 'cluster1', network: 'net2'}),
      ep('o-other', 'r/z', {cluster: 'cluster3', network: 'net2'}),
    ];
    const px = proxy('r/z', {cluster: 'cluster1', network: 'net1'});
    const r = assignPriorities(eps, px, {failoverPriority: [LABEL.network, LABEL.cluster]}, OD);
    // raw: 0, 1, 2+0, 2+1
    expect(prio(r)).toEqual({'s-same': 0, 's-other': 1, 'o-same': 2, 'o-other': 3});
    expect(reason(r, 'o-other')).toBe('other network (net2 ≠ net1), label topology.istio.io/cluster differs (cluster3 ≠ cluster1)');
    // before istio/istio#60829: a network mismatch is simply the first mismatch (N-0 = 2)
    const legacy = assignPriorities(eps, px, {failoverPriority: [LABEL.network, LABEL.cluster]}, {failoverEnabled: true, legacyNetworkPriority: true});
    expect(prio(legacy)).toEqual({'s-same': 0, 's-other': 1, 'o-same': 2, 'o-other': 2});
    expect(reason(legacy, 'o-other')).toBe('label topology.istio.io/network differs (net2 ≠ net1)');
    // network not first: the plain rule (first mismatch at j -> N-j)
    const r2 = assignPriorities(eps, px, {failoverPriority: [LABEL.cluster, LABEL.network]}, OD);
    expect(prio(r2)).toEqual({'s-same': 0, 'o-same': 1, 's-other': 2, 'o-other': 2});
  });
  it('trafficDistribution-style [network, region, zone]: other-network endpoints ordered by region/zone after all same-network ones', () => {
    const eps = [
      ep('s-zone', 'r/z', {network: 'net1'}), ep('s-region', 'r/y', {network: 'net1'}), ep('s-far', 'q/x', {network: 'net1'}),
      ep('o-zone', 'r/z', {network: 'net2'}), ep('o-region', 'r/y', {network: 'net2'}), ep('o-far', 'q/x', {network: 'net2'}),
    ];
    const px = proxy('r/z', {network: 'net1'});
    const fp = {failoverPriority: [LABEL.network, LABEL.region, LABEL.zone]};
    expect(prio(assignPriorities(eps, px, fp, OD))).toEqual({'s-zone': 0, 's-region': 1, 's-far': 2, 'o-zone': 3, 'o-region': 4, 'o-far': 5});
    expect(prio(assignPriorities(eps, px, fp, {failoverEnabled: true, legacyNetworkPriority: true}))).toEqual({'s-zone': 0, 's-region': 1, 's-far': 2, 'o-zone': 3, 'o-region': 3, 'o-far': 3});
  });
  it('proxy with no labels: failoverPriority does nothing', () => {
    const px: ClientProxy = {locality: parseLocality('r1/z1'), labels: {}, cluster: 'cluster1'};
    const r = assignPriorities(mc, px, {failoverPriority: [LABEL.cluster]}, OD);
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
    expect(r.notes).toContain('the proxy has no labels: Istio skips failoverPriority');
  });
  it('DNS clusters: failoverPriority is not applied', () => {
    const r = assignPriorities(mc, waypoint, {failoverPriority: [LABEL.cluster]}, {failoverEnabled: true, dnsCluster: true});
    expect(Math.max(...Object.values(prio(r)))).toBe(0);
  });
  it('failover + failoverPriority: failoverPriority outer, region failover inner (x5)', () => {
    const eps = [
      ep('c1-east', 'us-east-1/a', {cluster: 'cluster1'}),
      ep('c1-west', 'us-west-2/a', {cluster: 'cluster1'}),
      ep('c1-eu', 'eu-west-1/a', {cluster: 'cluster1'}),
      ep('c2-east', 'us-east-1/a', {cluster: 'cluster2'}),
      ep('c2-eu', 'eu-west-1/a', {cluster: 'cluster2'}),
    ];
    const r = assignPriorities(eps, proxy('us-east-1/a', {cluster: 'cluster1'}), {failoverPriority: [LABEL.cluster], failover: [{from: 'us-east-1', to: 'us-west-2'}]}, OD);
    // combined: 0*5+0, 0*5+3, 0*5+4, 1*5+0, 1*5+4 -> 0,3,4,5,9 -> 0..4
    expect(prio(r)).toEqual({'c1-east': 0, 'c1-west': 1, 'c1-eu': 2, 'c2-east': 3, 'c2-eu': 4});
    expect(reason(r, 'c2-east')).toBe('label topology.istio.io/cluster differs (cluster2 ≠ cluster1); same zone as the proxy (us-east-1/a)');
  });
});

describe('assignPriorities: distribute', () => {
  const eps = [
    ep('a1', 'us-east-1/us-east-1a'), ep('a2', 'us-east-1/us-east-1a'), ep('b1', 'us-east-1/us-east-1b'),
    ep('w1', 'us-west-2/us-west-2a'), ep('n1', ''),
  ];
  const dist: LocalityLbSetting = {distribute: [{from: 'us-east-1/*', to: {'us-east-1/us-east-1a': 80, 'us-east-1/us-east-1b': 20}}]};
  it('weights per locality; localities in no `to` are dropped with a reason', () => {
    const r = assignPriorities(eps, client, dist, OD);
    expect(r.mode).toBe('distribute');
    expect(r.localityWeights).toEqual({'us-east-1/us-east-1a': 80, 'us-east-1/us-east-1b': 20});
    expect(prio(r)).toEqual({a1: 0, a2: 0, b1: 0});
    expect(r.dropped.map((d) => d.endpoint.address)).toEqual(['n1', 'w1']);
    expect(r.dropped.find((d) => d.endpoint.address === 'w1')!.reason).toBe('locality us-west-2/us-west-2a is in no distribute target of us-east-1/*: receives no traffic');
    expect(r.dropped.find((d) => d.endpoint.address === 'n1')!.reason).toContain('no locality');
  });
  it('applies without outlier detection', () => {
    const r = assignPriorities(eps, client, dist, {failoverEnabled: false});
    expect(r.mode).toBe('distribute');
    expect(r.dropped).toHaveLength(2);
  });
  it('a wildcard `to` splits its weight by the localities\' weights, rounded up', () => {
    const r = assignPriorities(eps, client, {distribute: [{from: '*', to: {'us-east-1/*': 100}}]}, OD);
    // 1a has weight 2, 1b weight 1: 200/3 = 66.7 -> 67, 100/3 = 33.3 -> 34
    expect(r.localityWeights).toEqual({'us-east-1/us-east-1a': 67, 'us-east-1/us-east-1b': 34});
  });
  it('"*" as a `to` also catches endpoints with no locality', () => {
    const r = assignPriorities(eps, client, {distribute: [{from: '*', to: {'*': 100}}]}, OD);
    expect(r.dropped).toEqual([]);
  });
  it('first matching from wins; no matching from: nothing is changed', () => {
    const r = assignPriorities(eps, client, {distribute: [{from: 'us-west-2/*', to: {'us-west-2/*': 100}}]}, OD);
    expect(r.dropped).toEqual([]);
    expect(r.localityWeights).toBeUndefined();
    expect(Object.keys(prio(r))).toHaveLength(5);
    const r2 = assignPriorities(eps, client, {distribute: [{from: 'us-east-1/us-east-1a', to: {'us-west-2/*': 100}}, {from: '*', to: {'*': 100}}]}, OD);
    expect(r2.dropped.map((d) => d.endpoint.address).sort()).toEqual(['a1', 'a2', 'b1', 'n1']);
  });
  it('distribute makes failoverPriority ignored', () => {
    const r = assignPriorities(eps, client, {...dist, failoverPriority: [LABEL.cluster]}, OD);
    expect(r.mode).toBe('distribute');
    expect(r.notes.some((n) => n.includes('failoverPriority is ignored'))).toBe(true);
  });
});
