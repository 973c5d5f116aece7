/**
 * The plain-scalar shortcut of the fast YAML reader (a word that cannot be a null, a boolean or a
 * number is a string without trying the core schema's patterns): the same values as the `yaml`
 * package for words starting with every printable character, near the null and boolean spellings.
 */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {parseSimpleYaml} from '../../src/sources/yaml-fast.js';

const words = ['null', 'Null', 'NULL', 'nul', 'nulls', 'nullx', 'n', 'N', 'No', 'true', 'True', 'TRUE', 'tru', 'truth', 'Truthy', 'TRUEX', 'false', 'False', 'FALSE', 'falsey', 'f', 'F', 'Fa',
  '~', '~x', '0', '01', '0o7', '0x1F', '-1', '+2', '.5', '-.inf', '.NaN', '1e3', '1.', 'abc', 'Abc', 'zeta', 'Zulu', 'yes', 'on', 'ñu', 'Ünï', '_x', '^x', '`x`', 'x y', '9lives', 'name', 'namespace', 'type', 'targetPort'];
for (let c = 33; c < 127; c++) if (!'#&*!|>\'"%@`,[]{}?:-'.includes(String.fromCharCode(c))) words.push(`${String.fromCharCode(c)}word`, String.fromCharCode(c));

describe('parseSimpleYaml: plain scalars as the core schema reads them', () => {
  it.each(words)('reads %j as value and as key like the yaml package', (w) => {
    const value = `k: ${w}\n`;
    const got = parseSimpleYaml(value);
    if (got !== undefined) expect(got).toEqual([parse(value)]);
    const key = `${w}: 1\n`;
    const asKey = parseSimpleYaml(key);
    // A key the core schema reads as anything but a string is left to the yaml package.
    if (asKey !== undefined) expect(asKey).toEqual([parse(key)]);
  });
});
