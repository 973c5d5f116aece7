import {describe, expect, it} from 'vitest';
import {compareRootAscii, compareText, ROOT_ASCII_ORDER} from '../../src/model/collate.js';

const icu = new Intl.Collator('en').compare; // the root collation, whatever the test machine's locale
const sign = (n: number): number => Math.sign(n);

describe('compareText: localeCompare without ICU for printable ASCII', () => {
  it('has every printable ASCII character in ICU order', () => {
    const all = Array.from({length: 95}, (_, i) => String.fromCharCode(32 + i));
    expect(all.filter((c) => !/[A-Z]/.test(c)).sort(icu).join('')).toBe(ROOT_ASCII_ORDER);
  });

  it.each([
    ['a', 'A'],
    ['B', 'a'],
    ['_cluster', 'cluster1'],
    ['team-0', 'team_0'],
    ['svc-10', 'svc-9'],
    ['istio-system', 'istio.system'],
    ['FO101', 'FO102'],
    ['arn:aws:eks:us-east-1:1:cluster/b', 'arn:aws:eks:us-east-1:1:cluster-b'],
    ['ab', 'a b'],
    ['abc', 'ab'],
    ['Abc', 'abc'],
    ['aBc', 'Abc'],
    ['', 'a'],
    ['x', 'x'],
  ])('orders %j and %j as ICU does', (a, b) => {
    expect(compareRootAscii(a, b)).toBe(sign(icu(a, b)));
    expect(compareRootAscii(b, a)).toBe(sign(icu(b, a)));
  });

  it('orders random printable-ASCII strings as ICU does', () => {
    // Weighted towards what differs: case, punctuation, prefixes.
    const alphabet = ' _-.:/aAbBzZ09' + ROOT_ASCII_ORDER + 'ABCXYZ';
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const str = (): string => Array.from({length: rnd(6)}, () => alphabet[rnd(alphabet.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const a = str();
      const b = rnd(3) === 0 ? a.slice(0, rnd(a.length + 1)) + str() : str();
      expect([a, b, compareRootAscii(a, b)]).toEqual([a, b, sign(icu(a, b))]);
    }
  });

  it('leaves anything but printable ASCII to localeCompare', () => {
    for (const [a, b] of [
      ['é', 'f'],
      ['a\tb', 'ab'],
      ['a\u0000', 'a'],
      ['ünïcode', 'unicode'],
    ]) {
      expect(compareRootAscii(a!, b!)).toBeUndefined();
      expect(sign(compareText(a!, b!))).toBe(sign(a!.localeCompare(b!)));
    }
  });

  it('gives the sign of localeCompare under the default locale', () => {
    const words = ['b', 'A', 'a', '_x', 'x-1', 'x.1', 'X', 'é', 'Z9', 'z10'];
    for (const a of words) for (const b of words) expect(sign(compareText(a, b))).toBe(sign(a.localeCompare(b)));
  });
});
