/**
 * The fast readers explain uses on large dump files (src/envoy/scan.ts): for every cluster they
 * find, the result must be exactly what the whole-dump parsers build; when they cannot find it
 * (or the file is not what it seems) they answer undefined and loadClustersFor falls back.
 */
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {clusterNamesFor, findCluster, loadClustersDump, loadClustersFor, parseClustersJson, parseClustersText, type ClustersDump} from '../../src/envoy/index.js';
import {commonSubstring, scanJsonDump, scanTextDump} from '../../src/envoy/scan.js';
import {camelize, fixturesDir, hasUpstream, renderClustersText, syntheticClusterName, syntheticTextLines, upstream} from './generate.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'envoy-scan-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** What the whole-dump parser finds for these names (findCluster's choice). */
function expected(dump: ClustersDump, names: readonly string[]) {
  const byName = new Map<string, (typeof dump.clusters)[number]>();
  for (const c of dump.clusters) if (!byName.has(c.name)) byName.set(c.name, c);
  for (const n of names) if (byName.has(n)) return byName.get(n);
  return undefined;
}

function first(dump: ClustersDump | undefined, names: readonly string[]) {
  return dump ? expected(dump, names) : undefined;
}

const WEB = 'outbound|80||web.default.svc.cluster.local';

function jsonDump(clusters: {name: string; hosts?: number; obs?: string}[]): Record<string, unknown> {
  return {
    cluster_statuses: clusters.map((c, i) => ({
      name: c.name,
      ...(c.obs ? {observability_name: c.obs} : {}),
      added_via_api: true,
      host_statuses: Array.from({length: c.hosts ?? 2}, (_, h) => ({
        address: {socket_address: {address: `10.0.${i}.${h}`, port_value: 8080}},
        stats: [{name: 'rq_success', value: String(h + i), type: 'COUNTER'}],
        health_status: {eds_health_status: 'HEALTHY', ...(h === 1 ? {failed_outlier_check: true} : {})},
        locality: {region: 'r1', zone: `z${h}`},
        ...(h ? {priority: h} : {}),
      })),
    })),
  };
}

describe('scanJsonDump', () => {
  const dump = jsonDump([
    {name: 'BlackHoleCluster', hosts: 0},
    {name: 'outbound|80||other.default.svc.cluster.local', obs: WEB}, // the name only as observability_name
    {name: WEB, hosts: 3},
    {name: 'inbound-vip|80|http|web.default.svc.cluster.local'},
    {name: WEB, hosts: 1}, // a duplicate: the first wins
  ]);
  const names = clusterNamesFor({service: 'web.default.svc.cluster.local', port: 80});

  it.each([
    ['pretty (Envoy)', JSON.stringify(dump, null, 1)],
    ['compact', JSON.stringify(dump)],
    ['camelCase (protojson)', JSON.stringify(camelize(dump), null, 2)],
    ['a BOM', `\ufeff${JSON.stringify(dump, null, 1)}`],
    ['istioctl bare array', JSON.stringify(dump.cluster_statuses, null, 2)],
    ['CRLF line ends', JSON.stringify(dump, null, 1).replace(/\n/g, '\r\n')],
  ])('finds the cluster the whole-dump parser finds: %s', async (_label, text) => {
    const f = file('d.json', text);
    const got = await scanJsonDump(f, names);
    const whole = parseClustersJson(text.replace(/^\ufeff/, ''));
    expect(first(got, names)).toEqual(expected(whole, names));
    expect(first(got, names)!.hosts).toHaveLength(3);
  });

  it('prefers the names in the order given, whatever their place in the file', async () => {
    const f = file('order.json', JSON.stringify(jsonDump([{name: names[1]!}, {name: names[0]!, hosts: 4}]), null, 1));
    expect(first(await scanJsonDump(f, names), names)!.name).toBe(names[0]);
    const g = file('order2.json', JSON.stringify(jsonDump([{name: names[1]!}]), null, 1));
    expect(first(await scanJsonDump(g, names), names)!.name).toBe(names[1]);
  });

  it('is not fooled by the name inside other strings, keys or nested objects', async () => {
    const tricky = {
      cluster_statuses: [
        {name: 'x', observability_name: `"${WEB}"`, host_statuses: [{hostname: `{"name": "${WEB}"}`, address: {socket_address: {address: '1.1.1.1', port_value: 1}}}]},
        {name: 'y', nested: {name: WEB}, list: [{value: 1, name: WEB, type: 'COUNTER'}].map((o) => ({meta: o}))},
        {name: WEB, host_statuses: [{address: {socket_address: {address: '2.2.2.2', port_value: 2}}, hostname: 'a\\"b}{]['}]},
      ],
    };
    for (const text of [JSON.stringify(tricky, null, 1), JSON.stringify(tricky)]) {
      const f = file('tricky.json', text);
      const got = first(await scanJsonDump(f, [WEB]), [WEB]);
      expect(got).toEqual(expected(parseClustersJson(text), [WEB]));
      expect(got!.hosts[0]!.address).toBe('2.2.2.2:2');
    }
  });

  it('gives up (for the ordinary reader) rather than walk a hostile file once per hit', async () => {
    // One line, the name everywhere but never as an element's "name": each hit would walk the line.
    const junk = {cluster_statuses: [{name: 'x', tags: Array.from({length: 20_000}, () => ({name: WEB}))}]};
    const f = file('hostile.json', JSON.stringify(junk));
    const t0 = performance.now();
    expect(await scanJsonDump(f, [WEB])).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('answers undefined when the cluster is not there or the file is not a JSON dump', async () => {
    expect(await scanJsonDump(file('none.json', JSON.stringify(jsonDump([{name: 'other'}]))), names)).toBeUndefined();
    expect(await scanJsonDump(file('text.json', `${WEB}::1.1.1.1:80::priority::1\n`), names)).toBeUndefined();
    expect(await scanJsonDump(file('empty.json', ''), names)).toBeUndefined();
  });

  it('matches the whole-dump parser on the fixtures and the upstream dumps, for every cluster', async () => {
    const files = readdirSync(fixturesDir)
      .filter((f) => /^(camel|defaults|odd-addresses|snake)\.json$/.test(f))
      .map((f) => path.join(fixturesDir, f));
    if (hasUpstream) {
      files.push(upstream('istio/istio/istioctl/pkg/writer/envoy/clusters/testdata/clusters.json'));
      files.push(upstream('envoyproxy/envoy/test/server/admin/clusters_handler_test.cc.extracted/ClustersJsonAndText.ab02e201.expected.json'));
    }
    let checked = 0;
    for (const f of files) {
      const whole = parseClustersJson(readFileSync(f, 'utf8'));
      for (const c of whole.clusters) {
        expect(first(await scanJsonDump(f, [c.name]), [c.name]), `${f} ${c.name}`).toEqual(expected(whole, [c.name]));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('scanTextDump', () => {
  const o = {clusters: 300, hostsPerCluster: 11};
  const text = [...syntheticTextLines(o)].join('');

  it('keeps exactly the lines of the wanted cluster, whatever the chunk size', async () => {
    const f = file('synthetic.txt', text);
    const wanted = syntheticClusterName(123);
    const whole = parseClustersText(text, {cluster: wanted});
    for (const size of [1000, 4099, 65536, 1 << 20]) {
      const got = await scanTextDump(f, [wanted], size);
      expect(got!.clusters, `chunk ${size}`).toEqual(whole.clusters);
    }
    // Chunks smaller than a line: every line spans chunks.
    const small = [...syntheticTextLines({clusters: 12, hostsPerCluster: 3})].join('');
    const g = file('small.txt', small);
    for (const size of [7, 31]) {
      const got = await scanTextDump(g, [syntheticClusterName(5)], size);
      expect(got!.clusters, `chunk ${size}`).toEqual(parseClustersText(small, {cluster: syntheticClusterName(5)}).clusters);
    }
  });

  it('finds lines at the start, at the end without a newline, after a BOM and with CRLF', async () => {
    const lines = `${WEB}::1.1.1.1:80::priority::1\nother::2.2.2.2:80::priority::2\n${WEB}::1.1.1.1:80::weight::3`;
    for (const [label, t] of [
      ['plain', lines],
      ['bom', `\ufeff${lines}`],
      ['crlf', lines.replace(/\n/g, '\r\n')],
    ] as const) {
      const got = await scanTextDump(file(`edge-${label}.txt`, t), [WEB], 5);
      expect(got!.clusters[0]!.hosts[0], label).toMatchObject({priority: 1, weight: 3});
    }
  });

  it('skips lines that merely mention the name, and over-long lines', async () => {
    const long = `${WEB}::1.1.1.1:80::hostname::${'x'.repeat(2 ** 20 + 10)}`;
    const t = `other::${WEB}::1.1.1.1:80::priority::9\n x${WEB}::1.1.1.1:80::priority::8\n${long}\n${WEB}::1.1.1.1:80::priority::1\n`;
    const got = await scanTextDump(file('mention.txt', t), [WEB], 4096);
    expect(got!.clusters).toHaveLength(1);
    expect(got!.clusters[0]!.hosts[0]).toMatchObject({priority: 1});
    expect(got!.clusters[0]!.hosts[0]!.hostname).toBeUndefined();
  });

  it('gives the clusters of several names in file order, as the stream parser does', async () => {
    const names = clusterNamesFor({service: 'web.default.svc.cluster.local', port: 80});
    const t = `${names[1]}::1.1.1.1:80::priority::1\n${names[0]}::2.2.2.2:80::priority::2\n${names[1]}::1.1.1.1:80::weight::4\n`;
    const got = await scanTextDump(file('several.txt', t), names, 16);
    expect(got!.clusters.map((c) => c.name)).toEqual([names[1], names[0]]);
    expect(findCluster(got!, {service: 'web.default.svc.cluster.local', port: 80})!.name).toBe(names[0]);
    expect(commonSubstring(names)).toBe('web.default.svc.cluster.local');
  });
});

describe('loadClustersFor', () => {
  it('gives the same cluster as loadClustersDump, JSON and text, and falls back for hints when it is missing', async () => {
    const clusters = JSON.parse(readFileSync(path.join(fixturesDir, 'snake.json'), 'utf8'));
    const j = file('snake.json', JSON.stringify(clusters, null, 1));
    const whole = await loadClustersDump(j);
    const t = file('snake.txt', renderClustersText(whole.clusters));
    for (const c of whole.clusters) {
      for (const f of [j, t]) {
        const got = await loadClustersFor(f, [c.name]);
        const full = await loadClustersDump(f, {cluster: c.name});
        expect(got.clusters).toEqual(full.clusters);
      }
    }
    const missing = await loadClustersFor(j, ['outbound|1||nope.default.svc.cluster.local']);
    expect(missing.clusters).toEqual([]);
    expect(missing.allClusterNames).toEqual(whole.allClusterNames);
  });

  it('still reports a broken file the ordinary way', async () => {
    const cut = file('cut.json', JSON.stringify(jsonDump([{name: 'a'}]), null, 1).slice(0, 60));
    await expect(loadClustersFor(cut, [WEB])).rejects.toThrow(/clusters JSON: unexpected end of input/);
  });
});
