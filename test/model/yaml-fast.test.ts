/**
 * The fast YAML reader (src/sources/yaml-fast.ts) must give exactly what the `yaml` package gives
 * for everything it accepts, and give up (undefined) on the rest: cases that must read, cases that
 * must be refused, and a differential check against `yaml` on the repository's YAML files and on
 * generated documents in both the `collect` (yaml package) and kubectl (go-yaml) styles.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import {describe, expect, it} from 'vitest';
import {parseAllDocuments, stringify} from 'yaml';
import {parseManifests} from '../../src/sources/manifests.js';
import {parseSimpleYaml} from '../../src/sources/yaml-fast.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function reference(text: string): unknown[] | 'error' {
  const docs = parseAllDocuments(text, {prettyErrors: false, uniqueKeys: false});
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return 'error';
  return list.map((d) => d.toJS({maxAliasCount: 100}) as unknown).filter((d) => d !== null && d !== undefined);
}

function fast(text: string): unknown[] | undefined {
  return parseSimpleYaml(text)?.filter((d) => d !== null && d !== undefined);
}

describe('parseSimpleYaml', () => {
  it.each([
    ['a mapping', 'a: 1\nb: x\n', [{a: 1, b: 'x'}]],
    ['kubectl lists (sequence at the key indentation)', 'items:\n- a: 1\n  b: 2\n- c\nkind: List\n', [{items: [{a: 1, b: 2}, 'c'], kind: 'List'}]],
    ['collect lists (indented sequence)', 'items:\n  - a: 1\n    b: [ ]\n', undefined],
    ['core schema scalars', 'a: null\nb: ~\nc:\nd: true\ne: False\nf: 012\ng: 0o17\nh: 0x1F\ni: -1.5\nj: 1e3\nk: .inf\nl: .nan\nm: yes\nn: "1"\n', undefined],
    ['quoted scalars and escapes', `a: 'it''s'\nb: "tab\\tq\\"\\u00e9\\x41"\nc: "x" # comment\n`, [{a: "it's", b: 'tab\tq"éA', c: 'x'}]],
    ['comments and blank lines', '# head\na: 1 # one\n\n  # indented\nb:\n  # inside\n  c: 2\n', [{a: 1, b: {c: 2}}]],
    ['block scalars with chomping', 'a: |\n  x\n   y\n\nb: |-\n  z\nc: |+\n  w\n\n\nd: 1\n', [{a: 'x\n y\n', b: 'z', c: 'w\n\n\n', d: 1}]],
    ['several documents', '---\na: 1\n---\n# nothing\n---\nb: 2\n', [{a: 1}, {b: 2}]],
    ['empty collections', 'a: {}\nb: []\nc: [] # none\n', [{a: {}, b: [], c: []}]],
    ['CRLF and a BOM', '\ufeffa: 1\r\nb:\r\n- x\r\n', [{a: 1, b: ['x']}]],
    ['duplicate keys: the last wins', 'a: 1\nb: 2\na: 3\n', [{a: 3, b: 2}]],
    ['urls and colons in values', 'u: http://x:80/a#b\nk:v: 1\n', [{u: 'http://x:80/a#b', 'k:v': 1}]],
  ])('reads %s as yaml does', (_label, text, want) => {
    const ref = reference(text);
    expect(ref).not.toBe('error');
    if (want !== undefined) expect(ref).toEqual(want);
    const got = fast(text);
    if (_label.startsWith('collect lists')) {
      // `[ ]` is flow syntax: refused, and the caller reads it with yaml.
      expect(got).toBeUndefined();
      return;
    }
    expect(got).toBeDefined();
    expect(isDeepStrictEqual(got, ref)).toBe(true);
  });

  it.each([
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['flow collections', 'a: [1, 2]\nb: {c: 1}\n'],
    ['folded scalars', 'a: >\n  x\n  y\n'],
    ['indentation indicators', 'a: |2\n   x\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line quoted scalars', 'a: "one\n  two"\n'],
    ['tabs in indentation', 'a:\n\tb: 1\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['keys the core schema reads as numbers', '80: http\n'],
    ['a bare scalar document', 'hello\n'],
    ['complex keys', '? a\n: 1\n'],
    ['nested sequences on one line', '- - a\n'],
    ['__proto__ keys', '__proto__: 1\n'],
    ['malformed input', 'a: b: c\n'],
  ])('gives up on %s', (_label, text) => {
    expect(parseSimpleYaml(text)).toBeUndefined();
  });

  it('stays linear on long runs of blanks and deep nesting (hostile input)', () => {
    const t0 = performance.now();
    expect(parseSimpleYaml(`a: x${' '.repeat(400_000)}y\n`)).toEqual([{a: `x${' '.repeat(400_000)}y`}]);
    expect(parseSimpleYaml(`a: x${' '.repeat(400_000)}\n`)).toEqual([{a: 'x'}]);
    expect(parseSimpleYaml(`- ${' '.repeat(400_000)}a: 1\n`)).toBeDefined();
    let deep = '';
    for (let i = 0; i < 5_000; i++) deep += `${' '.repeat(i)}k:\n`;
    expect(() => parseSimpleYaml(deep)).not.toThrow();
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('agrees with yaml on every YAML file of the repository it accepts, and accepts most', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, {withFileTypes: true})) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(e.name) && statSync(p).size < 4_000_000) files.push(p);
      }
    };
    for (const d of ['test/fixtures', 'examples']) walk(path.join(ROOT, d));
    let accepted = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const got = fast(text);
      if (got === undefined) continue;
      accepted++;
      const ref = reference(text);
      expect(ref, f).not.toBe('error');
      expect(isDeepStrictEqual(got, ref), f).toBe(true);
    }
    expect(files.length).toBeGreaterThan(20);
    expect(accepted / files.length).toBeGreaterThan(0.7);
  });

  it('agrees with yaml on generated documents with awkward strings, in several writing styles', () => {
    const strings = ['', ' ', 'null', '~', 'true', 'yes', '1', '-1', '01', '0o17', '0x1F', '1e3', '.5', '.inf', '.nan', 'a: b', 'a #b', '#a', '- a', '-a', 'a:', "it's", 'say "hi"', 'multi\nline\n', 'trail\n\n', ' lead', 'trail ', 'ünï', 'a\\b', '[x]', '*x', '&x', '!x', '|x', '>x', '%x', '@x', 'http://a:b@c', '12:30'];
    let accepted = 0;
    let total = 0;
    for (const a of strings) {
      for (const b of strings.slice(0, 12)) {
        const o = {metadata: {name: 'x', labels: {k: a}, annotations: {[b.replace(/\n/g, '') || 'e']: b}}, spec: {list: [a, {x: b, y: [a, 1, true, null]}], n: 3.5}};
        for (const opts of [{}, {indentSeq: false}, {lineWidth: 0}, {lineWidth: 20}]) {
          const text = stringify(o, opts);
          total++;
          const got = fast(text);
          if (got === undefined) continue;
          accepted++;
          expect(isDeepStrictEqual(got, reference(text)), text).toBe(true);
        }
      }
    }
    expect(accepted / total).toBeGreaterThan(0.5);
  });
});

describe('parseManifests with the fast reader', () => {
  it('reports a document that is not a Kubernetes object with its line, as before', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n- not\n- an object\n';
    const r = parseManifests(text, 'x.yaml');
    expect(r.objects.map((o) => o.obj.metadata.name)).toEqual(['a']);
    expect(r.problems).toEqual([{file: 'x.yaml', line: 5, message: 'not a Kubernetes object (expected a mapping with apiVersion and kind)'}]);
  });

  it('reads a kubectl List the same way as the yaml package', () => {
    const text = 'apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    namespace: default\n  spec:\n    ports:\n    - port: 80\n      targetPort: "8080"\nkind: List\nmetadata:\n  resourceVersion: ""\n';
    expect(parseSimpleYaml(text)).toBeDefined();
    const r = parseManifests(text, 'svc.yaml');
    expect(r.problems).toEqual([]);
    expect(r.objects).toHaveLength(1);
    expect(r.objects[0]!.obj.spec).toEqual({ports: [{port: 80, targetPort: '8080'}]});
  });
});
