/**
 * Forbidden kinds and missing CRDs (PRODUCT.md §3): a forbidden kind skips the checks that need it
 * (listed in `skipped`), a missing CRD is read as empty with a note, and the run goes on.
 */
import {mkdtempSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {CHECKS} from '../../src/checks/index.js';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const kubectl = kubectlPath();
const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

interface Doc {
  findings: {code: string}[];
  skipped: {check: string; context: string; reason: string}[];
}

describe.skipIf(!kubectl)('partial access', () => {
  it('nodes forbidden: checks that need nodes are skipped and listed, the others still run', async () => {
    const bundle = path.join(ROOT, 'test/fixtures/seed004-broken-outlier-detection-disabled/bundle');
    const ctx = 'cce-cluster';
    const sim = await startSimCluster({contexts: [{name: ctx, bundleDir: path.join(bundle, ctx), forbidden: ['nodes']}]});
    sims.push(sim);
    const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(sb.home, 'kc-')));
    const r = await run(kubectl!, ['failover', 'doctor', '--kubeconfig', kubeconfig, '-o', 'json'], sb.env);
    const doc = JSON.parse(r.stdout) as Doc;
    const needNodes = CHECKS.filter((c) => c.meta.requires.includes('Node') && !c.meta.live).map((c) => c.meta.code);
    expect(needNodes).toContain('FO201');
    expect(doc.skipped.map((s) => s.check).sort()).toEqual([...needNodes].sort());
    expect(doc.skipped.every((s) => s.context === ctx && /^Node: forbidden/.test(s.reason))).toBe(true);
    // FO104 needs no nodes: it still runs and reports the disabled outlier detection.
    expect(doc.findings.map((f) => f.code)).toEqual(['FO104']);
    expect(r.code).toBe(1);
  });

  it('no Istio CRDs at all: read as empty, a note on stderr, exit 0', async () => {
    const sim = await startSimCluster({contexts: [{name: 'plain', objects: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'default'}}], notInstalled: ['networking.istio.io', 'gateway.networking.k8s.io']}]});
    sims.push(sim);
    const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(sb.home, 'kc-')));
    const r = await run(kubectl!, ['failover', 'doctor', '--kubeconfig', kubeconfig], sb.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: context plain: the networking\.istio\.io API is not installed/m);
    expect(r.stdout).toMatch(/No failover problems found/);
  });
});
