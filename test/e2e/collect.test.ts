/**
 * `kubectl failover collect` against the simulated cluster, then `doctor --bundle` on what it wrote:
 * the same findings as the live run, for every scenario. The bundle holds no Secret data, no
 * ConfigMap data but the mesh config and root certificate, no managedFields and no credentials.
 */
import {mkdtempSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {parseAllDocuments} from 'yaml';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIX = path.join(ROOT, 'test/fixtures');
const kubectl = kubectlPath();
const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const scenarios = readdirSync(FIX).filter((d) => {
  try {
    return statSync(path.join(FIX, d, 'expected.json')).isFile();
  } catch {
    return false;
  }
});

interface Doc {
  findings: {code: string; severity: string; context: string; object: {kind: string; namespace?: string; name: string}; message: string}[];
}
const keys = (d: Doc): string[] => d.findings.map((f) => `${f.severity} ${f.code} ${f.object.kind} ${f.object.namespace ?? ''}/${f.object.name} @${f.context}`).sort();

function walk(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The pods a bundle has Envoy dumps for, as --from arguments (CONTEXT/NAMESPACE/POD). */
function envoyPods(bundle: string): string[] {
  return walk(bundle)
    .filter((f) => f.endsWith('/clusters.json'))
    .map((f) => path.relative(bundle, path.dirname(f)).split(path.sep))
    .map(([ctx, , ns, pod]) => `${ctx}/${ns}/${pod}`);
}

describe.skipIf(!kubectl)('collect → doctor --bundle reproduces the live findings', () => {
  for (const name of scenarios) {
    it(name, async () => {
      const bundle = path.join(FIX, name, 'bundle');
      const ctxs = readdirSync(bundle, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      const sim = await startSimCluster({contexts: ctxs.map((c) => ({name: c, bundleDir: path.join(bundle, c)}))});
      sims.push(sim);
      const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(sb.home, 'kc-')));
      const args = ['--kubeconfig', kubeconfig, ...ctxs.flatMap((c) => ['--context', c])];
      const exp = JSON.parse(readFileSync(path.join(FIX, name, 'expected.json'), 'utf8')) as {args?: string[]};
      // Live doctor reads the same proxies' admin that collect captures (the scenarios with Envoy
      // dumps name them with --from in their args), so the live checks agree.
      const from = envoyPods(bundle);
      const liveRun = await run(kubectl!, ['failover', 'doctor', ...args, ...(exp.args ?? []), '-o', 'json'], sb.env);
      const liveDoc = JSON.parse(liveRun.stdout) as Doc;

      const out = path.join(mkdtempSync(path.join(sb.home, 'bundle-')), name.length % 2 ? 'b.tar.gz' : 'b');
      const c = await run(kubectl!, ['failover', 'collect', ...args, '-o', out], sb.env);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toMatch(new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${ctxs.length} context`));
      const offline = await run(kubectl!, ['failover', 'doctor', '--bundle', out, ...(exp.args ?? []), '-o', 'json'], sb.env);
      expect(offline.stderr).not.toMatch(/^error:/m);
      const bundleDoc = JSON.parse(offline.stdout) as Doc;
      expect(from.every((p) => (exp.args ?? []).includes(p)), 'the scenario names its proxies with --from').toBe(true);
      expect(keys(bundleDoc)).toEqual(keys(liveDoc));
      expect(offline.code).toBe(liveRun.code);
      expect(sim.mutatingRequests()).toEqual([]);

      if (!out.endsWith('.tar.gz')) {
        const files = walk(out);
        expect(files.some((f) => f.endsWith('bundle.yaml'))).toBe(true);
        for (const f of files.filter((x) => x.endsWith('.yaml'))) {
          const text = readFileSync(f, 'utf8');
          expect(text).not.toContain('managedFields');
          for (const t of sim.contexts.map((x) => x.token)) expect(text).not.toContain(t);
          for (const d of parseAllDocuments(text)) {
            const o = d.toJS() as {kind?: string; items?: {kind?: string; metadata: {name: string}; data?: unknown}[]};
            for (const it of o?.items ?? []) {
              if (it.kind === 'Secret') expect(it.data).toBeUndefined();
              if (it.kind === 'ConfigMap' && it.data !== undefined) expect(it.metadata.name).toMatch(/^(istio(-[a-z0-9-]+)?|istio-ca-root-cert)$/);
            }
          }
        }
      }
    });
  }
});
