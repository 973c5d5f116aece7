import {describe, expect, it} from 'vitest';
import {envoyMaxEjectionPercent, maxEjectable, stayShare} from '../../src/traffic/ejection.js';
import {hostState, hostsFromFlags, localityShares, panicThresholdFor, priorityLoad, type PriorityHosts} from '../../src/traffic/load.js';

const lvl = (priority: number, hosts: number, healthy: number, degraded = 0, excluded = 0): PriorityHosts => ({priority, hosts, healthy, degraded, excluded});
const loads = (levels: PriorityHosts[], panicThreshold = 0): number[] => priorityLoad(levels, {panicThreshold}).map((l) => l.loadPercent);

describe('priorityLoad: the worked example (3/3/4 hosts, client in us-east-1a)', () => {
  it('all healthy: 100/0/0', () => {
    expect(loads([lvl(0, 3, 3), lvl(1, 3, 3), lvl(2, 4, 4)])).toEqual([100, 0, 0]);
  });
  it('one of P0 ejected: health 140·2/3 = 93 -> 93/7/0', () => {
    const r = priorityLoad([lvl(0, 3, 2), lvl(1, 3, 3), lvl(2, 4, 4)], {panicThreshold: 0});
    expect(r.map((l) => l.healthPercent)).toEqual([93, 100, 100]);
    expect(r.map((l) => l.loadPercent)).toEqual([93, 7, 0]);
    expect(r.noHealthyUpstream).toBe(false);
  });
  it('two ejected: 46/54/0', () => {
    expect(loads([lvl(0, 3, 1), lvl(1, 3, 3), lvl(2, 4, 4)])).toEqual([46, 54, 0]);
  });
  it('three ejected: 0/100/0', () => {
    expect(loads([lvl(0, 3, 0), lvl(1, 3, 3), lvl(2, 4, 4)])).toEqual([0, 100, 0]);
  });
  it('P0 and P1 down: everything on P2', () => {
    expect(loads([lvl(0, 3, 0), lvl(1, 3, 0), lvl(2, 4, 4)])).toEqual([0, 0, 100]);
  });
  it('a level stays at 100% down to ~72% healthy (overprovisioning 1.4)', () => {
    expect(loads([lvl(0, 10, 8), lvl(1, 10, 10)])).toEqual([100, 0]); // 140·8/10 = 112 -> 100
    expect(loads([lvl(0, 100, 72), lvl(1, 10, 10)])).toEqual([100, 0]); // 100.8 -> 100
    expect(loads([lvl(0, 100, 71), lvl(1, 10, 10)])).toEqual([99, 1]); // 99.4 -> 99
  });
  it('missing priorities are empty levels; input order does not matter', () => {
    expect(loads([lvl(2, 4, 4), lvl(0, 3, 1)])).toEqual([46, 0, 54]);
  });
});

describe('priorityLoad: normalisation and rounding', () => {
  it('sum under 100: loads scaled, remainder to the first priority with health', () => {
    // health 20/20/20 (1 of 7 healthy each): 2000/60 = 33 each, remainder 1 to P0
    expect(loads([lvl(0, 7, 1), lvl(1, 7, 1), lvl(2, 7, 1)])).toEqual([34, 33, 33]);
    // P0 has no health: remainder to P1. health 0/35/46, total 81: 3500/81 = 43, 4600/81 = 56 -> 44/56
    expect(loads([lvl(0, 3, 0), lvl(1, 4, 1), lvl(2, 3, 1)])).toEqual([0, 44, 56]);
  });
  it('excluded hosts leave the denominator', () => {
    // 3 hosts, 1 pending_active_hc, 2 healthy: 140·2/2 -> 100
    expect(loads([lvl(0, 3, 2, 0, 1), lvl(1, 3, 3)])).toEqual([100, 0]);
  });
});

describe('priorityLoad: degraded hosts (Envoy docs, degraded.rst table)', () => {
  const one = (healthy: number, degraded: number, unhealthy: number) => {
    const r = priorityLoad([lvl(0, healthy + degraded + unhealthy, healthy, degraded)], {panicThreshold: 0});
    return [r[0]!.healthyLoadPercent, r[0]!.degradedLoadPercent];
  };
  it('100/0/0 -> 100/0; 71/0/29 -> 100/0; 71/29/0 -> 99/1; 25/65/10 -> 35/65; 5/0/95 -> 100/0', () => {
    expect(one(100, 0, 0)).toEqual([100, 0]);
    expect(one(71, 0, 29)).toEqual([100, 0]);
    expect(one(71, 29, 0)).toEqual([99, 1]);
    expect(one(25, 65, 10)).toEqual([35, 65]);
    expect(one(5, 0, 95)).toEqual([100, 0]);
  });
  it('healthy hosts of a lower priority are preferred to degraded ones of a higher', () => {
    const r = priorityLoad([lvl(0, 3, 2, 1), lvl(1, 3, 3)], {panicThreshold: 0});
    expect(r.map((l) => [l.healthyLoadPercent, l.degradedLoadPercent])).toEqual([[93, 0], [7, 0]]);
  });
  it('Envoy\'s own example: health 10/20/10, degraded 20/10/0 -> healthy 16/28/14, degraded 28/14/0', () => {
    // 14 hosts per level: 140·1/14 = 10, 140·2/14 = 20
    const r = priorityLoad([lvl(0, 14, 1, 2), lvl(1, 14, 2, 1), lvl(2, 14, 1, 0)], {panicThreshold: 0});
    expect(r.map((l) => [l.healthPercent, l.degradedPercent])).toEqual([[10, 20], [20, 10], [10, 0]]);
    expect(r.map((l) => l.healthyLoadPercent)).toEqual([16, 28, 14]);
    expect(r.map((l) => l.degradedLoadPercent)).toEqual([28, 14, 0]);
    expect(r.map((l) => l.loadPercent)).toEqual([44, 42, 14]);
  });
  it('only degraded hosts anywhere: the remainder goes to the first degraded priority', () => {
    // degraded 46 (1/3) and 35 (1/4): 4600/81 = 56, 3500/81 = 43, remainder 1 -> P0
    const r = priorityLoad([lvl(0, 3, 0, 1), lvl(1, 4, 0, 1)], {panicThreshold: 0});
    expect(r.map((l) => l.degradedLoadPercent)).toEqual([57, 43]);
    expect(r.map((l) => l.healthyLoadPercent)).toEqual([0, 0]);
  });
});

describe('priorityLoad: panic', () => {
  it('no panic check when the total availability reaches 100', () => {
    // P0 33% healthy is under 50, but P1 fills the total: no panic
    const r = priorityLoad([lvl(0, 3, 1), lvl(1, 3, 3)], {panicThreshold: 50});
    expect(r.map((l) => l.panic)).toEqual([false, false]);
    expect(r.map((l) => l.loadPercent)).toEqual([46, 54]);
  });
  it('one priority in panic keeps its share (spread over all its hosts)', () => {
    // P0 6/10 healthy (84, 60% >= 50), P1 1/10 (14, 10% < 50): total 98; 8400/98 = 85, 1400/98 = 14, +1 -> P0
    const r = priorityLoad([lvl(0, 10, 6), lvl(1, 10, 1)], {panicThreshold: 50});
    expect(r.map((l) => l.loadPercent)).toEqual([86, 14]);
    expect(r.map((l) => l.panic)).toEqual([false, true]);
    expect(r.totalPanic).toBe(false);
  });
  it('all priorities in panic: split by host count', () => {
    // 3/3/4 hosts, 1 healthy in P0 only, no outlier detection (threshold 50)
    const r = priorityLoad([lvl(0, 3, 1), lvl(1, 3, 0), lvl(2, 4, 0)], {panicThreshold: 50});
    expect(r.map((l) => l.loadPercent)).toEqual([30, 30, 40]);
    expect(r.every((l) => l.panic)).toBe(true);
    expect(r.totalPanic).toBe(true);
    expect(r.noHealthyUpstream).toBe(false);
  });
  it('total panic rounding: remainder to the first non-empty priority', () => {
    expect(loads([lvl(0, 0, 0), lvl(1, 3, 0), lvl(2, 3, 0), lvl(3, 3, 0)], 50)).toEqual([0, 34, 33, 33]);
  });
  it('the same failure with threshold 0 (minHealthPercent 0): no panic, all to the healthy host\'s priority', () => {
    const r = priorityLoad([lvl(0, 3, 1), lvl(1, 3, 0), lvl(2, 4, 0)], {panicThreshold: 0});
    expect(r.map((l) => l.loadPercent)).toEqual([100, 0, 0]);
    expect(r.some((l) => l.panic)).toBe(false);
  });
  it('threshold 0 and nothing healthy: 100% to P0 and no healthy upstream', () => {
    const r = priorityLoad([lvl(0, 3, 0), lvl(1, 3, 0)], {panicThreshold: 0});
    expect(r.map((l) => l.loadPercent)).toEqual([100, 0]);
    expect(r.noHealthyUpstream).toBe(true);
    expect(r.totalPanic).toBe(false);
  });
  it('nothing healthy with a threshold: total panic, not "no healthy upstream"', () => {
    const r = priorityLoad([lvl(0, 3, 0), lvl(1, 1, 0)], {panicThreshold: 50});
    expect(r.map((l) => l.loadPercent)).toEqual([75, 25]);
    expect(r.noHealthyUpstream).toBe(false);
  });
  it('no hosts at all', () => {
    expect(priorityLoad([], {panicThreshold: 50}).noHealthyUpstream).toBe(true);
    expect(priorityLoad([lvl(0, 0, 0)], {panicThreshold: 50}).noHealthyUpstream).toBe(true);
  });
});

describe('hostsFromFlags / hostState', () => {
  it('classifies Envoy health flags (text and JSON spellings)', () => {
    expect(hostState([])).toBe('healthy');
    expect(hostState(['healthy'])).toBe('healthy');
    expect(hostState(['/failed_outlier_check'])).toBe('unhealthy');
    expect(hostState(['failed_eds_health'])).toBe('unhealthy');
    expect(hostState(['failed_active_health_check'])).toBe('unhealthy');
    expect(hostState(['/degraded_eds_health'])).toBe('degraded');
    expect(hostState(['/failed_outlier_check', '/degraded_active_hc'])).toBe('unhealthy');
    expect(hostState(['/failed_active_hc', '/pending_active_hc'])).toBe('excluded');
    expect(hostState(['/excluded_via_immediate_hc_fail'])).toBe('excluded');
    expect(hostState(['/failed_outlier_check/failed_eds_health'])).toBe('unhealthy');
    expect(hostState(['/eds_status_draining'])).toBe('excluded');
    expect(hostState(['/pending_dynamic_removal'])).toBe('healthy');
  });
  it('counts per priority, 0..max without gaps, missing priority = 0', () => {
    const levels = hostsFromFlags([
      {flags: ['healthy']}, {priority: 0, flags: ['/failed_outlier_check']}, {priority: 0, flags: []},
      {priority: 2, flags: ['/degraded_eds_health']}, {priority: 2, flags: ['/failed_active_hc/pending_active_hc']},
    ]);
    expect(levels).toEqual([
      {priority: 0, hosts: 3, healthy: 2, degraded: 0, excluded: 0},
      {priority: 1, hosts: 0, healthy: 0, degraded: 0, excluded: 0},
      {priority: 2, hosts: 2, healthy: 0, degraded: 1, excluded: 1},
    ]);
    expect(hostsFromFlags([])).toEqual([]);
  });
  it('feeds priorityLoad: the 93/7 example from host flags', () => {
    const hosts = [
      ...[0, 0, 0].map((p, i) => ({priority: p, flags: i === 0 ? ['/failed_outlier_check'] : []})),
      ...[1, 1, 1, 2, 2, 2, 2].map((p) => ({priority: p, flags: ['healthy']})),
    ];
    expect(priorityLoad(hostsFromFlags(hosts), {panicThreshold: 0}).map((l) => l.loadPercent)).toEqual([93, 7, 0]);
  });
});

describe('panicThresholdFor', () => {
  it('minHealthPercent with outlier detection, 50 without, 0 when unhealthy endpoints are sent', () => {
    expect(panicThresholdFor(true, undefined, false)).toBe(0);
    expect(panicThresholdFor(true, 0, false)).toBe(0);
    expect(panicThresholdFor(true, 30, false)).toBe(30);
    expect(panicThresholdFor(false, undefined, false)).toBe(50);
    expect(panicThresholdFor(false, 30, false)).toBe(50);
    expect(panicThresholdFor(true, 30, true)).toBe(0);
    expect(panicThresholdFor(false, undefined, true)).toBe(0);
  });
});

describe('ejection', () => {
  it('strict rule: 100·(active+1)/N <= mep', () => {
    expect(maxEjectable(9, 10)).toBe(0); // under 10 hosts nothing is ever ejected
    expect(maxEjectable(10, 10)).toBe(1);
    expect(maxEjectable(19, 10)).toBe(1);
    expect(maxEjectable(20, 10)).toBe(2);
    expect(maxEjectable(10, 30)).toBe(3);
    expect(maxEjectable(10, 29)).toBe(2);
    expect(maxEjectable(3, 100)).toBe(3);
    expect(maxEjectable(3, 34)).toBe(1); // 33.3 <= 34, 66.7 > 34
    expect(maxEjectable(3, 33)).toBe(0);
    expect(maxEjectable(0, 100)).toBe(0);
    expect(maxEjectable(5, 0)).toBe(0);
  });
  it('legacy rule (Envoy < 1.28): the first ejection always happens', () => {
    expect(maxEjectable(9, 10, {strict: false})).toBe(1);
    expect(maxEjectable(10, 10, {strict: false})).toBe(1);
    expect(maxEjectable(11, 10, {strict: false})).toBe(2); // 100/11 = 9.1 < 10
    expect(maxEjectable(5, 0, {strict: false})).toBe(0);
  });
  it('Istio maxEjectionPercent unset or 0 means Envoy default 10', () => {
    expect(envoyMaxEjectionPercent(undefined)).toBe(10);
    expect(envoyMaxEjectionPercent(0)).toBe(10);
    expect(envoyMaxEjectionPercent(100)).toBe(100);
  });
  it('stayShare = min(100, 140·(k−M)/k)', () => {
    // worked example: k = 3 local hosts, N = 10, default 10% -> M = 1 -> 93% stays on failing hosts
    expect(stayShare(3, maxEjectable(10, 10))).toBe(93);
    expect(stayShare(3, 0)).toBe(100);
    expect(stayShare(3, 2)).toBe(46);
    expect(stayShare(3, 3)).toBe(0);
    expect(stayShare(3, 5)).toBe(0);
    expect(stayShare(10, 2)).toBe(100); // 112 capped
    expect(stayShare(0, 0)).toBe(0);
  });
});

describe('localityShares', () => {
  it('weights scaled by availability (x1.4, capped), normalised', () => {
    const r = localityShares([
      {locality: 'a', weight: 80, hosts: 2, healthy: 2, excluded: 0},
      {locality: 'b', weight: 20, hosts: 2, healthy: 2, excluded: 0},
    ]);
    expect(r.map((x) => x.share)).toEqual([0.8, 0.2]);
    // a loses 1 of 2 hosts: availability min(1, 1.4·0.5) = 0.7 -> 56 vs 20
    const r2 = localityShares([
      {locality: 'a', weight: 80, hosts: 2, healthy: 1, excluded: 0},
      {locality: 'b', weight: 20, hosts: 2, healthy: 2, excluded: 0},
    ]);
    expect(r2.map((x) => x.effectiveWeight)).toEqual([56, 20]);
    expect(r2[0]!.share).toBeCloseTo(56 / 76, 10);
    expect(localityShares([{locality: 'a', weight: 1, hosts: 1, healthy: 0, excluded: 0}])[0]!.share).toBe(0);
  });
});
