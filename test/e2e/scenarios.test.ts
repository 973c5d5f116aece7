/**
 * Every scenario under test/fixtures, through the real CLI as a user runs it: `kubectl failover
 * doctor` found by kubectl's plugin discovery, once from the bundle and once live against the
 * simulated cluster serving the same objects. Both must give exactly the expected findings, and the
 * live run must not send a single mutating request.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

interface Expected {
  description?: string;
  args?: string[];
  findings: string[];
  info?: string[];
}

interface DoctorJson {
  contexts: string[];
  findings: {code: string; severity: string; context: string; object: {kind: string; namespace?: string; name: string}}[];
}

const FIXTURES = path.join(ROOT, 'test/fixtures');
const scenarios = readdirSync(FIXTURES)
  .filter((d) => existsSync(path.join(FIXTURES, d, 'expected.json')))
  .sort();

function keys(doc: DoctorJson, info: boolean): string[] {
  return doc.findings
    .filter((f) => (info ? f.severity === 'info' : f.severity !== 'info'))
    .map((f) => `${f.code} ${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} @${f.context}`)
    .sort();
}

function contextsOf(bundle: string): string[] {
  return readdirSync(bundle, {withFileTypes: true})
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const kubectl = kubectlPath();
const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describe.skipIf(!kubectl)('kubectl failover doctor on every scenario', () => {
  it('kubectl discovers the plugin', async () => {
    const r = await run(kubectl!, ['plugin', 'list'], sb.env);
    expect(r.stdout).toContain(path.join(sb.home, 'bin', 'kubectl-failover'));
  });

  for (const name of scenarios) {
    const dir = path.join(FIXTURES, name);
    const exp = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const bundle = path.join(dir, 'bundle');
    const expectedExit = exp.findings.some((k) => isError(k, dir)) ? 1 : 0;

    it(`${name}: from the bundle`, async () => {
      const r = await run(kubectl!, ['failover', 'doctor', '--bundle', bundle, '-o', 'json', ...(exp.args ?? [])], sb.env);
      expect(r.stderr).not.toMatch(/^error:/m);
      const doc = JSON.parse(r.stdout) as DoctorJson;
      expect(keys(doc, false)).toEqual([...exp.findings].sort());
      if (exp.info) expect(keys(doc, true)).toEqual([...exp.info].sort());
      expect(r.code).toBe(expectedExit);
    });

    it(`${name}: live against the simulated cluster, read-only`, async () => {
      const contexts = contextsOf(bundle);
      const sim = await startSimCluster({contexts: contexts.map((c) => ({name: c, bundleDir: path.join(bundle, c)}))});
      sims.push(sim);
      const kubeconfig = await sim.writeKubeconfig(path.join(sb.home, name));
      const r = await run(kubectl!, ['failover', 'doctor', '--kubeconfig', kubeconfig, ...contexts.flatMap((c) => ['--context', c]), '-o', 'json', ...(exp.args ?? [])], sb.env);
      expect(r.stderr).not.toMatch(/^error:/m);
      const doc = JSON.parse(r.stdout) as DoctorJson;
      expect(doc.contexts).toEqual(contexts);
      expect(keys(doc, false)).toEqual([...exp.findings].sort());
      if (exp.info) expect(keys(doc, true)).toEqual([...exp.info].sort());
      expect(r.code).toBe(expectedExit);
      expect(sim.mutatingRequests({includeStreams: true})).toEqual([]);
      expect(sim.requests.length).toBeGreaterThan(0);
      await sim.close();
    });
  }
});

/** Whether an expected finding is an error: from the run itself is circular, so from the catalogue. */
function isError(key: string, dir: string): boolean {
  const sev = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {severities?: Record<string, string>};
  if (sev.severities?.[key]) return sev.severities[key] === 'error';
  const code = key.split(' ')[0]!;
  return ERROR_CODES.has(code);
}

// Codes whose findings are errors in these scenarios (PRODUCT.md §5); warnings otherwise.
const ERROR_CODES = new Set(['FO101', 'FO102', 'FO103', 'FO104', 'FO105', 'FO107', 'FO201', 'FO302', 'FO303', 'FO304', 'FO401', 'FO402', 'FO405', 'FO406', 'FO408', 'FO409', 'FO501', 'FO502', 'FO505', 'FO507']);
