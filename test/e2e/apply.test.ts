/**
 * doctor --fix and --apply through kubectl against the simulated cluster: the patches fix what they
 * claim (a second doctor no longer reports those findings), a second --apply finds nothing to do,
 * only flagged objects are patched, each after a server-side dry run, and nothing is written
 * without --apply (and without --yes when there is no terminal).
 */
import {mkdtempSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIX = path.join(ROOT, 'test/fixtures');
const kubectl = kubectlPath();
const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

interface Doc {
  findings: {code: string; severity: string; context: string; object: {kind: string; namespace?: string; name: string}; remediation?: {patch?: unknown}}[];
}
const key = (f: Doc['findings'][number]): string => `${f.code} ${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} @${f.context}`;

async function setup(scenario: string): Promise<{sim: SimCluster; args: string[]}> {
  const bundle = path.join(FIX, scenario, 'bundle');
  const ctxs = readdirSync(bundle, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const sim = await startSimCluster({contexts: ctxs.map((c) => ({name: c, bundleDir: path.join(bundle, c)}))});
  sims.push(sim);
  const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(sb.home, 'kc-')));
  return {sim, args: ['--kubeconfig', kubeconfig, ...ctxs.flatMap((c) => ['--context', c])]};
}

async function doctor(args: string[]): Promise<Doc> {
  const r = await run(kubectl!, ['failover', 'doctor', ...args, '-o', 'json'], sb.env);
  expect(r.stderr).not.toMatch(/^error:/m);
  expect(r.stdout, `exit ${r.code}; stderr: ${r.stderr}`).toMatch(/^\{/);
  return JSON.parse(r.stdout) as Doc;
}

// Scenarios whose findings carry patches of the flagged object.
const SCENARIOS = [
  'seed004-as-written', // FO102 maxEjectionPercent, FO105 (no near name: not patched)
  'seed004-broken-no-outlier-detection', // FO101
  'seed004-broken-outlier-detection-disabled', // FO104
  'seed000-broken-waypoint-not-global', // FO402 label, two contexts
  'seed002-broken-dns-round-robin', // FO502
  'seed002-broken-https-without-tls', // FO505 on the DestinationRule
];

describe.skipIf(!kubectl)('doctor --fix / --apply', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario}: --apply --yes fixes what has a patch, a second doctor shows those findings gone, a second --apply has nothing to do`, async () => {
      const {sim, args} = await setup(scenario);
      const before = await doctor(args);
      const patchable = before.findings.filter((f) => f.remediation?.patch).map(key);
      expect(patchable.length, 'the scenario should have patchable findings').toBeGreaterThan(0);
      expect(sim.mutatingRequests()).toEqual([]);

      const fix = await run(kubectl!, ['failover', 'doctor', ...args, '--fix'], sb.env);
      expect(fix.stdout).toMatch(/^#!\/bin\/sh/);
      expect(fix.stdout).toMatch(/kubectl --context \S+ .*patch /);
      expect(sim.mutatingRequests()).toEqual([]); // --fix only prints

      const apply = await run(kubectl!, ['failover', 'doctor', ...args, '--apply', '--yes'], sb.env);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(apply.stdout).toMatch(/✔ patched /);
      const writes = sim.mutatingRequests();
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((w) => w.method === 'PATCH')).toBe(true);
      // Each object: a dry run first, then the real patch; only objects the run flagged.
      const flagged = new Set(before.findings.filter((f) => f.remediation?.patch).map((f) => `${f.context}/${f.object.namespace ?? ''}/${f.object.name}`));
      for (const w of writes) expect(flagged.has(`${w.context}/${w.namespace ?? ''}/${w.name}`), `${w.method} ${w.path}`).toBe(true);
      const firstReal = writes.findIndex((w) => !w.dryRun);
      expect(writes.slice(0, firstReal).every((w) => w.dryRun)).toBe(true);
      expect(writes.filter((w) => w.dryRun).length).toBe(writes.filter((w) => !w.dryRun).length);

      const after = await doctor(args);
      const left = after.findings.map(key);
      for (const k of patchable) expect(left, `${k} should be fixed`).not.toContain(k);

      sim.clearRequests();
      const again = await run(kubectl!, ['failover', 'doctor', ...args, '--apply', '--yes'], sb.env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/Nothing to apply/);
      expect(sim.mutatingRequests()).toEqual([]);
    });
  }

  it('--apply without a terminal and without --yes is refused, and writes nothing', async () => {
    const {sim, args} = await setup('seed004-broken-no-outlier-detection');
    const r = await run(kubectl!, ['failover', 'doctor', ...args, '--apply'], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --apply without a terminal needs --yes/m);
    expect(sim.mutatingRequests()).toEqual([]);
  });

  it('--apply on a bundle is refused', async () => {
    const r = await run(kubectl!, ['failover', 'doctor', '--bundle', path.join(FIX, 'seed004-as-written/bundle'), '--apply', '--yes'], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--apply needs a live cluster/);
  });
});
