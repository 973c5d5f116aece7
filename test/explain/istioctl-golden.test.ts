/**
 * explain's health and outlier columns must agree with istioctl's reading of the same dump:
 * istioctl proxy-config endpoints (STATUS = EDS health, OUTLIER CHECK = failed_outlier_check),
 * golden output from istio/istio (reference/upstream, read in place, not copied).
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseClustersJson} from '../../src/envoy/clusters-json.js';
import {explain} from '../../src/explain/model.js';

const DIR = path.resolve(import.meta.dirname, '../../../shared/reference/upstream/istio/istio/istioctl/pkg/writer/envoy/clusters/testdata');
const have = existsSync(path.join(DIR, 'clusters.json'));

describe.skipIf(!have)("explain agrees with istioctl's endpoint table", () => {
  it('STATUS and OUTLIER CHECK of every endpoint of every cluster', () => {
    const dump = parseClustersJson(readFileSync(path.join(DIR, 'clusters.json'), 'utf8'));
    const golden = readFileSync(path.join(DIR, 'clustersummary.txt'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s{2,}/) as [string, string, string, string]);
    let compared = 0;
    for (const [endpoint, status, outlier, clusterName] of golden) {
      const cluster = dump.clusters.find((c) => c.name === clusterName)!;
      const e = explain({service: 'x', port: 0, proxy: {kind: 'file'}, cluster});
      const ep = e.endpoints.find((x) => x.address === endpoint)!;
      expect(ep, `${endpoint} in ${clusterName}`).toBeDefined();
      // istioctl's STATUS is the EDS health enum; ours is its lower-case reading (ejection is separate).
      expect(ep.health, endpoint).toBe(status === 'UNHEALTHY' ? 'unhealthy' : status === 'DRAINING' ? 'draining' : status === 'DEGRADED' ? 'degraded' : 'healthy');
      expect(ep.outlier, endpoint).toBe(outlier === 'FAILED' ? 'ejected' : 'ok');
      compared++;
    }
    expect(compared).toBe(9);
  });
});
