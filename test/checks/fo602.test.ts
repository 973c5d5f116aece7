import {describe, expect, it} from 'vitest';
import {fo602} from '../../src/checks/fo602-traffic-spilling.js';
import {keysOf} from '../support/snapshot.js';
import {liveSnapshot, type HostSpec} from './live-fixture.js';

// Three hosts at priority 0 (one per subzone ... all tianjin for this test) and two at priority 1.
const hosts = (ejectedP0: number): HostSpec[] => [
  {ip: '172.16.0.136', subzone: 'tianjin', priority: 0, ejected: ejectedP0 > 0},
  {ip: '172.16.0.137', subzone: 'tianjin', priority: 0, ejected: ejectedP0 > 1},
  {ip: '172.16.0.138', subzone: 'tianjin', priority: 0},
  {ip: '172.16.0.10', subzone: 'beijing', priority: 1},
  {ip: '172.16.0.20', subzone: 'shenyang', priority: 1},
];

describe('FO602 traffic-spilling', () => {
  it('fires when priority 0 keeps less than 100% (1 of 3 ejected → 93/7)', () => {
    const f = fo602.run(liveSnapshot(hosts(1)));
    expect(keysOf(f)).toEqual(['FO602 Service sample/helloworld @cce']);
    expect(f[0]!.details!.split).toEqual([
      {priority: 0, loadPercent: 93},
      {priority: 1, loadPercent: 7},
    ]);
  });
  it('does not fire while priority 0 takes everything, or with a single priority', () => {
    expect(fo602.run(liveSnapshot(hosts(0)))).toEqual([]);
    expect(fo602.run(liveSnapshot([{ip: '172.16.0.136', subzone: 'tianjin', priority: 0, ejected: true}, {ip: '172.16.0.137', subzone: 'tianjin', priority: 0}]))).toEqual([]);
  });
});
