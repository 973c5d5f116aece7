import {describe, expect, it} from 'vitest';
import {fo604} from '../../src/checks/fo604-proxy-locality-unknown.js';
import {keysOf} from '../support/snapshot.js';
import {HEALTHY, liveSnapshot} from './live-fixture.js';

describe('FO604 proxy-locality-unknown', () => {
  it('fires when the bootstrap locality is empty', () => {
    const f = fo604.run(liveSnapshot(HEALTHY, {locality: {region: '', zone: '', subZone: ''}}));
    expect(keysOf(f)).toEqual(['FO604 Pod sample/sleep-1 @cce']);
    expect(f[0]!.remediation!.commands[0]).toContain('kubectl --context cce label node n-tj');
  });
  it('does not fire for a proxy with a locality', () => {
    expect(fo604.run(liveSnapshot(HEALTHY))).toEqual([]);
  });
});
