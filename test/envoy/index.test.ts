import {mkdtempSync, rmSync, writeFileSync, createWriteStream} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  clusterNamesFor,
  clusterSelectorFor,
  DumpError,
  editDistance,
  findCluster,
  loadClustersDump,
  loadConfigDump,
  nearestClusterNames,
  parseClustersText,
  parseIstioClusterName,
  sniffFormat,
  type ClustersDump,
} from '../../src/envoy/index.js';
import {fixture, fixturesDir, syntheticClusterName, syntheticTextLines} from './generate.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'envoy-test-'));
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const at = (name: string): string => path.join(fixturesDir, name);

async function rejection(p: Promise<unknown>): Promise<DumpError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    return e as DumpError;
  }
  throw new Error('expected a DumpError');
}

describe('loadClustersDump', () => {
  it('sniffs JSON and text files and gives the same hosts for both', async () => {
    const json = await loadClustersDump(at('odd-addresses.json'));
    const text = await loadClustersDump(at('odd-addresses.txt'));
    expect(json.format).toBe('json');
    expect(text.format).toBe('text');
    expect(text.clusters.map((c) => c.hosts)).toEqual(json.clusters.map((c) => c.hosts));
  });

  it('takes the dump text itself as well as a path', async () => {
    const fromText = await loadClustersDump(fixture('odd-addresses.txt'));
    expect(fromText.format).toBe('text');
    expect(fromText.clusters).toHaveLength(4);
    const fromJson = await loadClustersDump('  \n' + fixture('snake.json'));
    expect(fromJson.format).toBe('json');
    expect(await loadClustersDump('c::1.1.1.1:80::priority::2')).toMatchObject({format: 'text', clusters: [{name: 'c'}]});
  });

  it('streams a text file with a cluster filter', async () => {
    const file = path.join(dir, 'big.txt');
    const out = createWriteStream(file);
    for (const s of syntheticTextLines({clusters: 200, hostsPerCluster: 5})) out.write(s);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const wanted = syntheticClusterName(77);
    const d = await loadClustersDump(file, {cluster: wanted});
    expect(d.clusters.map((c) => c.name)).toEqual([wanted]);
    expect(d.clusters[0]!.hosts).toHaveLength(5);
    expect(d.allClusterNames).toHaveLength(200);
  });

  it('honours an explicit format', async () => {
    const e = await rejection(loadClustersDump(at('odd-addresses.txt'), {format: 'json'}));
    expect(e.message).toMatch(/^clusters JSON: /);
    const e2 = await rejection(loadClustersDump(at('snake.json'), {format: 'text'}));
    expect(e2.message).toMatch(/this looks like JSON/);
  });

  it('reports file problems in one line', async () => {
    expect((await rejection(loadClustersDump(path.join(dir, 'nope.json')))).message).toBe(`cannot read ${path.join(dir, 'nope.json')}: no such file`);
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '');
    expect((await rejection(loadClustersDump(empty))).message).toBe(`${empty}: empty file (no /clusters output was captured)`);
    expect((await rejection(loadClustersDump(dir))).message).toBe(`${dir}: not a regular file`);
    const cut = path.join(dir, 'cut.json');
    writeFileSync(cut, fixture('snake.json').slice(0, 500));
    expect((await rejection(loadClustersDump(cut))).message).toBe('clusters JSON: unexpected end of input at byte 500');
  });

  it('loadConfigDump reads a path or text', async () => {
    const d = await loadConfigDump(at('config-dump.json'), {cluster: 'agent'});
    expect(d.clusters.map((c) => c.name)).toEqual(['agent']);
    expect((await loadConfigDump(fixture('config-dump-v2.json'))).apiVersion).toBe('v2');
    expect((await rejection(loadConfigDump(at('snake.json')))).message).toMatch(/this is a \/clusters dump/);
  });

  it('sniffFormat looks at the first non-blank character', () => {
    expect(sniffFormat('\ufeff \n{"cluster_statuses"')).toBe('json');
    expect(sniffFormat('[{"name": "x"}]')).toBe('json');
    expect(sniffFormat('c::observability_name::c')).toBe('text');
  });
});

const SVC = 'web.shop.svc.cluster.local';

function dumpOf(names: string[]): ClustersDump {
  return parseClustersText(names.map((n) => `${n}::added_via_api::true\n`).join(''));
}

describe('findCluster', () => {
  const dump = dumpOf([
    `outbound|8080||${SVC}`,
    `outbound|8080|v1|${SVC}`,
    `outbound|9090||${SVC}`,
    `inbound-vip|8080|http|${SVC}`,
    `inbound-vip|8080|http/v1|${SVC}`,
    `inbound-vip|7000|tcp|${SVC}`,
    `outbound_.6000_._.${SVC}`,
    `inbound|8080||${SVC}`,
  ]);

  it('finds the sidecar outbound cluster, with or without a subset', () => {
    expect(findCluster(dump, {service: SVC, port: 8080})?.name).toBe(`outbound|8080||${SVC}`);
    expect(findCluster(dump, {service: SVC, port: 8080, subset: 'v1'})?.name).toBe(`outbound|8080|v1|${SVC}`);
    expect(findCluster(dump, {service: SVC, port: 8080, direction: 'outbound'})?.name).toBe(`outbound|8080||${SVC}`);
  });

  it("finds a waypoint's inbound-vip cluster (http, http/subset, tcp)", () => {
    expect(findCluster(dump, {service: SVC, port: 8080, direction: 'inbound-vip'})?.name).toBe(`inbound-vip|8080|http|${SVC}`);
    expect(findCluster(dump, {service: SVC, port: 8080, subset: 'v1', direction: 'inbound-vip'})?.name).toBe(`inbound-vip|8080|http/v1|${SVC}`);
    expect(findCluster(dump, {service: SVC, port: 7000})?.name).toBe(`inbound-vip|7000|tcp|${SVC}`);
    expect(findCluster(dump, {service: SVC, port: 6000})?.name).toBe(`outbound_.6000_._.${SVC}`);
  });

  it('does not match another port, subset, service, direction or the inbound (server-side) cluster', () => {
    expect(findCluster(dump, {service: SVC, port: 7000, direction: 'outbound'})).toBeUndefined();
    expect(findCluster(dump, {service: SVC, port: 9090, direction: 'inbound-vip'})).toBeUndefined();
    expect(findCluster(dump, {service: SVC, port: 8080, subset: 'v2'})).toBeUndefined();
    expect(findCluster(dump, {service: 'web.other.svc.cluster.local', port: 8080})).toBeUndefined();
    expect(findCluster(dump, {service: 'web', port: 8080})).toBeUndefined();
    expect(findCluster(dumpOf([`inbound|8080||${SVC}`]), {service: SVC, port: 8080})).toBeUndefined();
  });

  it('clusterSelectorFor keeps exactly what findCluster can return', () => {
    const sel = clusterSelectorFor({service: SVC, port: 8080}) as (n: string) => boolean;
    expect(dump.allClusterNames.filter(sel)).toEqual([`outbound|8080||${SVC}`, `inbound-vip|8080|http|${SVC}`]);
    expect(clusterNamesFor({service: SVC, port: 80, subset: 'v1', direction: 'inbound-vip'})).toEqual([`inbound-vip|80|http/v1|${SVC}`, `inbound-vip|80|tcp/v1|${SVC}`]);
  });
});

describe('parseIstioClusterName', () => {
  it('parses the four Istio forms and nothing else', () => {
    expect(parseIstioClusterName(`outbound|8080|v1|${SVC}`)).toEqual({direction: 'outbound', port: 8080, subset: 'v1', host: SVC});
    expect(parseIstioClusterName(`inbound-vip|8080|http/v1|${SVC}`)).toEqual({direction: 'inbound-vip', port: 8080, subset: 'v1', protocol: 'http', host: SVC});
    expect(parseIstioClusterName(`inbound|9080||${SVC}`)).toEqual({direction: 'inbound', port: 9080, subset: '', host: SVC});
    expect(parseIstioClusterName(`outbound_.15443_._.${SVC}`)).toEqual({direction: 'outbound_', port: 15443, subset: '', host: SVC});
    expect(parseIstioClusterName(`outbound_.9080_.v2_.${SVC}`)).toEqual({direction: 'outbound_', port: 9080, subset: 'v2', host: SVC});
    for (const bad of ['BlackHoleCluster', 'inbound_9092', 'outbound|http|v1|x', `sideways|80||${SVC}`, 'outbound|80||', 'a|b|c']) {
      expect(parseIstioClusterName(bad), bad).toBeUndefined();
    }
  });
});

describe('nearestClusterNames', () => {
  const dump = dumpOf([
    'outbound|5000||helloworld.sample.svc.cluster.local',
    'outbound|5000|v1|helloworld.sample.svc.cluster.local',
    'inbound-vip|5000|http|helloworld.sample.svc.cluster.local',
    'outbound|5000||hello.sample.svc.cluster.local',
    'outbound|8080||web.shop.svc.cluster.local',
    'outbound|15014||istiod.istio-system.svc.cluster.local',
    'BlackHoleCluster',
    'PassthroughCluster',
  ]);

  it('ranks the same service first (other port, subset, direction), then look-alikes, and drops unrelated names', () => {
    const near = nearestClusterNames(dump, 'outbound|8000||helloworld.sample.svc.cluster.local');
    expect(near.slice(0, 3)).toEqual([
      'outbound|5000||helloworld.sample.svc.cluster.local',
      'outbound|5000|v1|helloworld.sample.svc.cluster.local',
      'inbound-vip|5000|http|helloworld.sample.svc.cluster.local',
    ]);
    expect(near).toContain('outbound|5000||hello.sample.svc.cluster.local'); // shares the namespace
    expect(near).not.toContain('BlackHoleCluster');
    expect(near).not.toContain('outbound|15014||istiod.istio-system.svc.cluster.local');
  });

  it('finds a typo and respects n', () => {
    expect(nearestClusterNames(dump, 'outbound|8080||web.shop.svc.cluster.locl', 1)).toEqual(['outbound|8080||web.shop.svc.cluster.local']);
    expect(nearestClusterNames(dump, 'outbound|5000||helloworld.sample.svc.cluster.local', 2)).toHaveLength(2);
    expect(nearestClusterNames(dump, 'outbound|5000||helloworld.sample.svc.cluster.local')).not.toContain('outbound|5000||helloworld.sample.svc.cluster.local');
  });

  it('returns nothing when nothing is close', () => {
    expect(nearestClusterNames(dump, 'outbound|443||payments.billing.svc.cluster.local')).toEqual([]);
  });

  it('uses every cluster name of a filtered dump, not only the kept ones', () => {
    const filtered = parseClustersText(dump.allClusterNames.map((n) => `${n}::added_via_api::true\n`).join(''), {cluster: 'BlackHoleCluster'});
    expect(nearestClusterNames(filtered, 'outbound|5000||helloworld.sample.svc.cluster.loca', 1)).toEqual(['outbound|5000||helloworld.sample.svc.cluster.local']);
  });

  it('editDistance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
