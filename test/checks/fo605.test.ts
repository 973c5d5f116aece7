import {describe, expect, it} from 'vitest';
import {fo605} from '../../src/checks/fo605-no-healthy-upstream.js';
import {keysOf} from '../support/snapshot.js';
import {HEALTHY, liveSnapshot} from './live-fixture.js';

describe('FO605 no-healthy-upstream', () => {
  it('fires when every host is ejected or unhealthy', () => {
    const f = fo605.run(liveSnapshot(HEALTHY.map((h, i) => ({...h, ejected: i === 0, unhealthy: i > 0}))));
    expect(keysOf(f)).toEqual(['FO605 Service sample/helloworld @cce']);
  });
  it('does not fire while one host is healthy', () => {
    expect(fo605.run(liveSnapshot(HEALTHY.map((h, i) => ({...h, ejected: i < 2}))))).toEqual([]);
  });
});
