/**
 * parseYaml (istio/mesh.ts) is the yaml package's parse() through the fast reader when it can: the
 * same value or the same error, on hand-made cases and on every mesh config and meshNetworks of the
 * repository's bundles.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse, parseAllDocuments} from 'yaml';
import {parseYaml} from '../../src/istio/mesh.js';
import {parseSimpleYaml} from '../../src/sources/yaml-fast.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function outcome(f: () => unknown): {value: unknown} | {error: string} {
  try {
    return {value: f()};
  } catch (e) {
    return {error: (e as Error).message};
  }
}

function expectSame(text: string): void {
  expect(outcome(() => parseYaml(text))).toEqual(outcome(() => parse(text)));
}

const CASES: [string, string][] = [
  ['a mesh config', 'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\nlocalityLbSetting:\n  enabled: true\n  failover:\n  - from: us-east1\n    to: us-west1\nserviceScopeConfigs:\n- servicesSelector:\n    matchExpressions:\n    - key: istio.io/global\n      operator: In\n      values:\n      - "true"\n  scope: GLOBAL\n'],
  ['meshNetworks', 'networks:\n  network1:\n    endpoints:\n    - fromRegistry: cluster1\n    gateways:\n    - registryServiceName: istio-eastwestgateway.istio-system.svc.cluster.local\n      port: 15443\n'],
  ['a repeated key (an error for parse)', 'a: 1\nb: 2\na: 3\n'],
  ['a repeated key deeper', 'x:\n  a: 1\n  a: 2\n'],
  ['the same key in two mappings (fine)', 'x:\n  a: 1\ny:\n  a: 2\n'],
  ['several documents (an error for parse)', 'a: 1\n---\nb: 2\n'],
  ['one document after a marker', '---\na: 1\n'],
  ['comments only', '# nothing\n'],
  ['an empty document', '---\n'],
  ['a scalar', 'hello\n'],
  ['flow syntax (left to yaml)', '{a: 1, b: [x, y]}\n'],
  ['a broken one', 'a: [1, 2\n'],
  ['core schema scalars', 'a: null\nb: ~\nc: true\nd: 0o17\ne: 0x1F\nf: -1.5\ng: .inf\nh: yes\ni: "1"\n'],
  ['block scalars', 'a: |\n  x\n  y\nb: |-\n  z\n'],
];

describe('parseYaml: the yaml package\'s parse, faster', () => {
  it.each(CASES)('%s', (_, text) => expectSame(text));

  it('takes the fast reader for plain text and refuses repeated keys there', () => {
    expect(parseSimpleYaml(CASES[0]![1], {uniqueKeys: true})).toHaveLength(1);
    expect(parseSimpleYaml('a: 1\na: 2\n', {uniqueKeys: true})).toBeUndefined();
    expect(parseSimpleYaml('a: 1\na: 2\n')).toEqual([{a: 2}]);
  });

  it('reads every mesh config and meshNetworks of the repository the same way', () => {
    const texts: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(name)) {
          for (const doc of parseAllDocuments(readFileSync(p, 'utf8'))) {
            const o = doc.toJS() as {kind?: string; items?: unknown[]; data?: Record<string, unknown>} | null;
            for (const item of o?.kind === 'List' && Array.isArray(o.items) ? o.items : [o]) {
              const data = (item as {data?: Record<string, unknown>} | null)?.data;
              for (const k of ['mesh', 'meshNetworks']) if (typeof data?.[k] === 'string') texts.push(data[k] as string);
            }
          }
        }
      }
    };
    walk(path.join(ROOT, 'test/fixtures'));
    walk(path.join(ROOT, 'examples'));
    expect(texts.length).toBeGreaterThan(10);
    for (const t of texts) expectSame(t);
    // Most of them take the fast way (else this would test little).
    expect(texts.filter((t) => parseSimpleYaml(t, {uniqueKeys: true})?.length === 1).length).toBeGreaterThan(texts.length / 2);
  });
});
