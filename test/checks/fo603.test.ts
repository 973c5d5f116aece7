import {describe, expect, it} from 'vitest';
import {fo603} from '../../src/checks/fo603-priorities-not-applied.js';
import {keysOf} from '../support/snapshot.js';
import {HEALTHY, liveSnapshot} from './live-fixture.js';

describe('FO603 priorities-not-applied', () => {
  it('fires when Envoy has everything at priority 0 although outlier detection asks for locality priorities', () => {
    const flat = HEALTHY.map((h) => ({...h, priority: 0}));
    const f = fo603.run(liveSnapshot(flat));
    expect(keysOf(f)).toEqual(['FO603 Service sample/helloworld @cce']);
    expect(f[0]!.message).toMatch(/all at priority 0/);
  });
  it('does not fire when Envoy matches the model (tianjin 0, beijing/shenyang 1)', () => {
    expect(fo603.run(liveSnapshot(HEALTHY))).toEqual([]);
  });
  it('does not fire when the model also says all 0 (no outlier detection)', () => {
    expect(fo603.run(liveSnapshot(HEALTHY.map((h) => ({...h, priority: 0})), {od: false}))).toEqual([]);
  });
});
