import {Readable} from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import {describe, expect, it} from 'vitest';
import {DumpError, MAX_TEXT_LINE_CHARS, parseClustersJson, parseClustersText, parseClustersTextStream} from '../../src/envoy/index.js';
import {
  fixture,
  syntheticClusterName,
  syntheticTextLines,
  SYNTHETIC_LINES_PER_CLUSTER,
  SYNTHETIC_LINES_PER_HOST,
} from './generate.js';

const WEB = 'outbound|8080||web.shop.svc.cluster.local';
const VIP = 'inbound-vip|8080|http|web.shop.svc.cluster.local';

function error(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    return e as DumpError;
  }
  throw new Error('expected a DumpError');
}

/** Split text into chunks of `size` bytes (cutting lines and multi-byte characters anywhere). */
function chunked(text: string, size: number): Readable {
  const buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

describe('parseClustersText', () => {
  it('splits IPv6, unix pipes and envoy:// addresses correctly', () => {
    const d = parseClustersText(fixture('odd-addresses.txt'));
    expect(d.warnings).toEqual([]);
    expect(d.clusters.map((c) => c.name)).toEqual([WEB, VIP, 'sds-grpc', 'abstract']);
    expect(d.clusters.flatMap((c) => c.hosts.map((h) => [h.address, h.ip, h.port]))).toEqual([
      ['[fd00:10:244::7]:8080', 'fd00:10:244::7', 8080],
      ['10.1.2.3:8080', '10.1.2.3', 8080],
      ['envoy://connect_originate/10.1.2.3:8080', '10.1.2.3', 8080],
      ['envoy://connect_originate/[fd00:10:244::9]:8080', 'fd00:10:244::9', 8080],
      ['unix:///var/run/secrets/workload-spiffe-uds/socket', undefined, undefined],
      ['unix://@envoy-admin', undefined, undefined],
    ]);
    const v6 = d.clusters[0]!.hosts[0]!;
    expect(v6.stats).toEqual({cx_active: 2, cx_connect_fail: 0, cx_total: 9, rq_active: 0, rq_error: 4, rq_success: 120, rq_timeout: 1, rq_total: 124});
    expect(v6.health.failedOutlierCheck).toBe(true);
    expect(v6.health.edsHealthStatus).toBe('HEALTHY');
    expect(v6.locality).toEqual({region: 'eu-west-1', zone: 'eu-west-1a', subZone: ''});
    expect(v6.hostname).toBeUndefined();
    expect(v6.successRate).toBeUndefined(); // -1
    const v4 = d.clusters[0]!.hosts[1]!;
    expect(v4).toMatchObject({weight: 3, priority: 1, successRate: 98.5, flags: []});
    expect(v4.localOriginSuccessRate).toBeUndefined();
    expect(d.clusters[1]!.hosts.map((h) => h.health.edsHealthStatus)).toEqual(['UNHEALTHY', 'DRAINING']);
    expect(d.clusters[3]!.hosts[0]!.health.edsHealthStatus).toBe('DEGRADED');
  });

  it('gives the same hosts as the JSON of the same state', () => {
    const text = parseClustersText(fixture('odd-addresses.txt'));
    const json = parseClustersJson(fixture('odd-addresses.json'));
    expect(text.clusters.map((c) => c.hosts)).toEqual(json.clusters.map((c) => c.hosts));
    expect(text.allClusterNames).toEqual(json.allClusterNames);
    expect(text.clusters.map((c) => [c.observabilityName, c.edsServiceName, c.addedViaApi])).toEqual(
      json.clusters.map((c) => [c.observabilityName, c.edsServiceName, c.addedViaApi]),
    );
  });

  it('outlier detection: present with C::outlier:: lines, known absent without, unknowable without a header', () => {
    const d = parseClustersText(fixture('odd-addresses.txt'));
    expect(d.clusters.map((c) => [c.outlierDetectionConfigured, c.outlierDetectionKnown])).toEqual([
      [true, true], // web: outlier lines
      [false, true], // waypoint VIP cluster: header without outlier lines
      [false, true],
      [false, true],
    ]);
    const grep = parseClustersText(`${WEB}::10.0.0.1:80::health_flags::healthy\n`);
    expect(grep.clusters[0]).toMatchObject({outlierDetectionConfigured: false, outlierDetectionKnown: false});
  });

  it('skips garbage lines (kubectl chatter, bad values, cut lines) with one warning, and keeps the rest', () => {
    const d = parseClustersText(fixture('garbage.txt'));
    expect(d.clusters).toHaveLength(1);
    const h = d.clusters[0]!.hosts[0]!;
    expect(h).toMatchObject({address: '10.4.0.8:9080', priority: 2, weight: 1, stats: {rq_success: 17}, locality: {region: 'us-east-1', zone: '', subZone: ''}});
    expect(h.flags).toEqual(['failed_outlier_check', 'some_future_flag']); // unknown flags are kept
    expect(h.health.failedOutlierCheck).toBe(true);
    expect(d.warnings).toEqual(['clusters text: 7 lines not understood and skipped (first: line 1 "Defaulted container \\"istio-proxy\\" out of: istio-proxy, app")']);
    expect(d.allClusterNames).toEqual(['outbound|9080||reviews.bookinfo.svc.cluster.local']);
  });

  it('a hostname that holds "::" stays whole', () => {
    const d = parseClustersText('c::[::1]:80::hostname::fe80::1\nc::[::1]:80::priority::4\n');
    expect(d.clusters[0]!.hosts).toHaveLength(1);
    expect(d.clusters[0]!.hosts[0]).toMatchObject({address: '[::1]:80', ip: '::1', port: 80, hostname: 'fe80::1', priority: 4});
  });

  it("reads newer Envoy's synthetic admin endpoints (lower-case status) and ignores unknown cluster attributes", () => {
    const d = parseClustersText('c::added_via_api::true\nc::some_new_attribute::42\nc::10.0.0.1:80::health_flags::unhealthy\nc::10.0.0.2:80::health_flags::draining\n');
    expect(d.warnings).toEqual([]);
    expect(d.clusters[0]!.hosts.map((h) => [h.health.edsHealthStatus, h.flags])).toEqual([
      ['UNHEALTHY', ['failed_eds_health']],
      ['DRAINING', ['eds_status_draining']],
    ]);
  });

  it('is not fooled by text that is not a /clusters dump', () => {
    expect(error(() => parseClustersText('')).message).toBe('clusters text: empty input');
    expect(error(() => parseClustersText('\n  \n')).message).toBe('clusters text: empty input');
    expect(error(() => parseClustersText('<html>upstream connect error</html>\n')).message).toBe(
      'not an Envoy /clusters dump: no line reads cluster::key::value; line 1 is "<html>upstream connect error</html>"',
    );
    expect(error(() => parseClustersText('{\n "cluster_statuses": []\n}')).message).toMatch(/this looks like JSON/);
    // `::` inside prose is not a cluster line: names hold no spaces.
    expect(error(() => parseClustersText('error at foo::bar::baz in std::string\n')).message).toMatch(/^not an Envoy \/clusters dump/);
  });

  it('CRLF, a BOM and no final newline are fine', () => {
    const d = parseClustersText('\ufeffc::1.1.1.1:80::priority::3\r\nc::1.1.1.1:80::weight::7');
    expect(d.warnings).toEqual([]);
    expect(d.clusters[0]!.hosts[0]).toMatchObject({priority: 3, weight: 7});
  });

  it('with a cluster filter keeps only that cluster but still lists every name', () => {
    const d = parseClustersText(fixture('odd-addresses.txt'), {cluster: VIP});
    expect(d.clusters.map((c) => c.name)).toEqual([VIP]);
    expect(d.allClusterNames).toEqual([WEB, VIP, 'sds-grpc', 'abstract']);
    const p = parseClustersText(fixture('odd-addresses.txt'), {cluster: (n) => !n.includes('|')});
    expect(p.clusters.map((c) => c.name)).toEqual(['sds-grpc', 'abstract']);
  });
});

describe('parseClustersTextStream', () => {
  it('gives the same result as the whole-text parser, whatever the chunk boundaries', async () => {
    const text = fixture('odd-addresses.txt').replace('region::eu-west-1', 'region::eu-wést-1');
    const whole = parseClustersText(text);
    for (const size of [1, 7, 64, 1000]) {
      expect(await parseClustersTextStream(chunked(text, size))).toEqual(whole);
    }
    expect(whole.clusters[0]!.hosts[0]!.locality.region).toBe('eu-wést-1');
  });

  it('keeps one cluster of a 50,000-line dump read line by line', async () => {
    const o = {clusters: 300, hostsPerCluster: 11};
    const lines = o.clusters * (SYNTHETIC_LINES_PER_CLUSTER + o.hostsPerCluster * SYNTHETIC_LINES_PER_HOST);
    expect(lines).toBeGreaterThanOrEqual(50_000);
    const wanted = syntheticClusterName(123);
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (const s of syntheticTextLines(o)) {
          produced += s.length;
          yield s;
        }
      })(),
    );
    const d = await parseClustersTextStream(source, {cluster: wanted});
    expect(produced).toBeGreaterThan(3_000_000);
    expect(d.warnings).toEqual([]);
    expect(d.clusters).toHaveLength(1);
    expect(d.allClusterNames).toHaveLength(o.clusters);
    const c = d.clusters[0]!;
    expect(c.name).toBe(wanted);
    expect(c.outlierDetectionConfigured).toBe(true);
    expect(c.hosts).toHaveLength(o.hostsPerCluster);
    expect(c.hosts[0]).toMatchObject({address: '10.0.123.0:8080', flags: ['failed_outlier_check'], stats: {rq_success: 1230, rq_error: 123}});
    expect(c.hosts.map((h) => h.priority)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    expect(c.hosts[4]!.locality.zone).toBe('z1');
  });

  it('stays small in memory on a dump much larger than what it keeps', async () => {
    // A collectable heap measure: expose V8's gc() at run time (the usual --expose-gc, without a CLI flag).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const o = {clusters: 4000, hostsPerCluster: 12}; // ~ 700k lines, ~ 55 MB of text, produced lazily
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let produced = 0;
    // 64 KiB string chunks like a file stream's, from an async generator (Readable.from over a sync
    // generator itself retains memory per item, which would hide what the parser keeps).
    async function* source(): AsyncGenerator<string> {
      let buf: string[] = [];
      let len = 0;
      let chunks = 0;
      for (const s of syntheticTextLines(o)) {
        buf.push(s);
        len += s.length;
        if (len < 64 * 1024) continue;
        produced += len;
        yield buf.join('');
        buf = [];
        len = 0;
        if (++chunks % 50 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        }
      }
      produced += len;
      yield buf.join('');
    }
    const d = await parseClustersTextStream(source(), {cluster: syntheticClusterName(3999)});
    expect(d.clusters[0]!.hosts).toHaveLength(12);
    expect(d.allClusterNames).toHaveLength(4000);
    expect(produced).toBeGreaterThan(50_000_000);
    // What stays alive is the list of cluster names and the kept cluster (well under 1 MB here),
    // never the text: the bound is 4 MB for a 55 MB dump.
    expect(peak).toBeLessThan(4 * 2 ** 20);
  });

  it('an over-long line is dropped and counted, the next lines still parse', async () => {
    const long = 'x'.repeat(MAX_TEXT_LINE_CHARS + 10);
    const text = `c::1.1.1.1:80::priority::1\n${long}\nc::1.1.1.1:80::weight::2\n`;
    const d = await parseClustersTextStream(chunked(text, 64 * 1024));
    expect(d.clusters[0]!.hosts[0]).toMatchObject({priority: 1, weight: 2});
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings[0]).toMatch(/^clusters text: 1 line not understood and skipped \(first: line 2 "x{80}"\)$/);
  });

  it('rejects a stream that is not a dump', async () => {
    await expect(parseClustersTextStream(Readable.from(['no dump here\n']))).rejects.toThrow(DumpError);
  });
});
