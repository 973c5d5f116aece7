import {promises as fs} from 'node:fs';
import {parse as parseYaml} from 'yaml';
import {applySuppressions, parseIgnore, parseSuppressionFile, type Suppression} from '../checks/suppress.js';
import {CHECKS} from '../checks/index.js';
import {exitCodeFor, runChecks, summarize, type FailOn} from '../checks/run.js';
import type {Report} from '../model/types.js';
import {renderReport, type OutputFormat} from '../render/doctor.js';
import {styleFor} from '../render/text.js';
import {loadSnapshot} from '../sources/index.js';
import {UserError} from '../sources/errors.js';
import {parseDuration} from './duration.js';
import {startProgress} from './progress.js';

/** doctor's flags as oclif parses them (commands/doctor.ts defines them; cli/fast.ts parses the simple cases). */
export interface DoctorFlags {
  readonly context?: string[];
  readonly kubeconfig?: string;
  readonly namespace?: string[];
  readonly 'all-namespaces'?: boolean;
  readonly output: string;
  readonly bundle?: string;
  readonly 'request-timeout': string;
  readonly 'istio-namespace': string;
  readonly 'fail-on': string;
  readonly 'client-namespace'?: string[];
  readonly from?: string[];
  readonly check?: string[];
  readonly ignore?: string[];
  readonly config?: string;
  readonly fix?: boolean;
  readonly apply?: boolean;
  readonly yes?: boolean;
}

/**
 * The doctor command once its flags are parsed, without oclif (so that the fast start of
 * cli/fast.ts runs exactly this). `exit` ends the command with an exit code (it throws).
 */
export async function runDoctor(flags: DoctorFlags, exit: (code: number) => never): Promise<void> {
  const timeout = parseDuration(flags['request-timeout']);
  const namespaces = flags.namespace ?? [];
  const fromPods = (flags.from ?? []).map((f) => {
    const parts = f.split('/');
    if (parts.length === 3 && parts.every(Boolean)) return {context: parts[0]!, namespace: parts[1]!, name: parts[2]!};
    const [a, b] = parts.length === 2 ? parts : [namespaces[0] ?? 'default', f];
    if (!a || !b || parts.length > 3) throw new UserError(`--from ${f}: expected POD, NAMESPACE/POD or CONTEXT/NAMESPACE/POD`);
    return {namespace: a, name: b};
  });
  // The same pod named twice is one client (and one admin read).
  const fromUnique = fromPods.filter((p, i) => fromPods.findIndex((q) => q.context === p.context && q.namespace === p.namespace && q.name === p.name) === i);
  for (const c of flags.check ?? []) {
    if (!CHECKS.some((k) => k.meta.code === c.toUpperCase())) throw new UserError(`--check ${c}: no such check (see \`kubectl failover checks\`)`);
  }
  const suppressions = await loadSuppressions(flags.ignore ?? [], flags.config);
  const progress = await startProgress('reading ' + (flags.bundle ? `bundle ${flags.bundle}` : 'clusters'));
  let loaded;
  try {
    loaded = await loadSnapshot({
      bundle: flags.bundle,
      kubeconfig: flags.kubeconfig,
      contexts: flags.context ?? [],
      requestTimeoutMs: timeout,
      istioNamespace: flags['istio-namespace'],
      clientNamespaces: flags['client-namespace'] ?? [],
      fromPods: fromUnique,
      fetchEnvoy: true,
      onProgress: (m) => progress.text(m),
    });
  } finally {
    progress.stop();
  }
  try {
    const includeLive = loaded.snapshot.contexts.some((c) => c.proxies.length > 0);
    let report = runChecks(loaded.snapshot, CHECKS, {only: (flags.check ?? []).map((c) => c.toUpperCase()), includeLive});
    if (namespaces.length && !flags['all-namespaces']) report = filterNamespaces(report, namespaces);
    report = applySuppressions(report, suppressions);
    for (const n of report.notes) process.stderr.write(`note: ${n}\n`);
    const format = flags.output as OutputFormat;
    if (flags.fix || flags.apply) {
      const {planPatches, fixScript, fixYaml} = await import('../remedy/plan.js');
      const plan = planPatches(report.findings);
      if (flags.apply) {
        if (flags.bundle) throw new UserError('--apply needs a live cluster, not a bundle (use --fix to get the script)');
        const {applyPlan} = await import('./apply.js');
        const ok = await applyPlan(plan, {kubeconfig: flags.kubeconfig, requestTimeoutMs: timeout, yes: flags.yes});
        if (!ok) exit(1);
        return;
      }
      process.stdout.write(format === 'yaml' ? fixYaml(plan) : fixScript(plan, report.findings));
      return;
    }
    process.stdout.write(renderReport(report, format, {width: process.stdout.columns || 100, style: styleFor(process.stdout)}));
    // A context that could not be read at all: the report is partial, and says so (exit 3 unless findings already fail).
    const code = exitCodeFor(report, flags['fail-on'] as FailOn);
    if (loaded.unreachable.length && code === 0) exit(3);
    if (code) exit(code);
  } finally {
    await loaded.cleanup();
  }
}

async function loadSuppressions(ignores: readonly string[], config: string | undefined): Promise<Suppression[]> {
  const rules: Suppression[] = [];
  try {
    for (const i of ignores) rules.push(parseIgnore(i));
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (config) {
    let text: string;
    try {
      text = await fs.readFile(config, 'utf8');
    } catch {
      throw new UserError(`--config ${config}: cannot read the file`);
    }
    try {
      rules.push(...parseSuppressionFile(parseYaml(text), config));
    } catch (e) {
      throw new UserError(`--config ${config}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return rules;
}

function filterNamespaces(report: Report, namespaces: readonly string[]): Report {
  const findings = report.findings.filter((f) => f.object.namespace === undefined || namespaces.includes(f.object.namespace));
  return {...report, findings, summary: summarize(findings)};
}
