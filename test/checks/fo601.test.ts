import {describe, expect, it} from 'vitest';
import {fo601} from '../../src/checks/fo601-endpoints-ejected.js';
import {keysOf} from '../support/snapshot.js';
import {HEALTHY, liveSnapshot} from './live-fixture.js';

describe('FO601 endpoints-ejected', () => {
  it('fires when the proxy has an ejected host, naming it and the split', () => {
    const f = fo601.run(liveSnapshot([{...HEALTHY[0]!, ejected: true}, HEALTHY[1]!, HEALTHY[2]!]));
    expect(keysOf(f)).toEqual(['FO601 Service sample/helloworld @cce']);
    expect(f[0]!.message).toContain('172.16.0.136:5000 sample/helloworld-tianjin-1');
    expect(f[0]!.message).toContain('P0 0%');
    expect(f[0]!.remediation!.commands.at(-1)).toBe('kubectl failover explain helloworld.sample.svc.cluster.local --port 5000 --from sample/sleep-1 --context cce -n sample');
  });
  it('does not fire when nothing is ejected (an EDS-unhealthy host is not an ejection)', () => {
    expect(fo601.run(liveSnapshot(HEALTHY))).toEqual([]);
    expect(fo601.run(liveSnapshot([{...HEALTHY[0]!, unhealthy: true}, HEALTHY[1]!, HEALTHY[2]!]))).toEqual([]);
  });
});
