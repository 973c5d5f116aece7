import {stringify} from 'yaml';
import {formatLocality} from '../istio/locality.js';
import type {OutputFormat} from '../render/doctor.js';
import {PLAIN, sanitize, type Style, wrap} from '../render/text.js';
import type {Explanation} from './types.js';

function policyLines(e: Explanation): string[] {
  const p = e.policy;
  const out: string[] = [];
  if (!p.configurationRead) out.push('Istio configuration not read (a dump alone): policy inferred from Envoy');
  else if (p.destinationRule) out.push(`DestinationRule ${p.destinationRule.namespace}/${p.destinationRule.name} [${p.destinationRule.context}]`);
  else out.push('no DestinationRule applies');
  if (p.outlierDetection) out.push(`outlierDetection: ${p.outlierDetection.value ? JSON.stringify(p.outlierDetection.value) : 'none'} (${p.outlierDetection.source})`);
  if (p.localityLbSetting) out.push(`localityLbSetting: ${p.localityLbSetting.value ? JSON.stringify(p.localityLbSetting.value) : 'off'} (${p.localityLbSetting.source})`);
  if (p.trafficDistribution) out.push(`Service trafficDistribution: ${p.trafficDistribution}`);
  out.push(`locality failover applied: ${p.failoverApplied.value ? 'yes' : 'no'} (${p.failoverApplied.source})`);
  out.push(`maxEjectionPercent: ${p.maxEjectionPercent.value} (${p.maxEjectionPercent.source}); panic threshold: ${p.panicThreshold.value}% (${p.panicThreshold.source})`);
  return out;
}

/** Left-aligned columns, two spaces apart; the last column is not padded (long pod names may run on). */
function columns(head: string[], rows: string[][], paint: (row: string[], line: string) => string = (_r, l) => l): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map((r) => paint(r, line(r)))];
}

function rq(stats: Record<string, number>): string {
  const ok = stats.rq_success;
  const err = stats.rq_error;
  return ok === undefined && err === undefined ? '-' : `${ok ?? 0}/${err ?? 0}`;
}

export function renderExplainTable(e: Explanation, opts: {width?: number; style?: Style} = {}): string {
  const width = Math.max(80, Math.min(opts.width ?? 100, 200));
  const s = opts.style ?? PLAIN;
  const out: string[] = [];
  const proxy = e.proxy;
  out.push(`${s.bold('Service')}  ${sanitize(e.service)}:${e.port}  ${s.dim(`(Envoy cluster ${sanitize(e.cluster)})`)}`);
  const where = proxy.pod ? `${proxy.kind} ${proxy.namespace}/${proxy.pod}${proxy.context ? ` [${proxy.context}]` : ''}` : 'a proxy read from a file';
  const loc = formatLocality(proxy.locality);
  out.push(`${s.bold('Proxy')}    ${sanitize(where)}, locality ${loc ? `${loc} ${s.dim(`(from ${proxy.localitySource})`)}` : 'unknown'}`);
  if (proxy.via) out.push(s.dim(`         read via ${sanitize(proxy.via)}`));
  out.push(s.bold('Policy'));
  for (const l of policyLines(e)) out.push(wrap(sanitize(l), width, '  '));
  out.push('');
  // The context is shown only when the endpoints come from several contexts.
  const multi = new Set(e.endpoints.map((x) => x.context).filter(Boolean)).size > 1;
  const who = (x: Explanation['endpoints'][number]): string => (x.pod ? `${multi ? `${x.context}/` : ''}${x.pod.split('/')[1]}` : x.via ?? x.hostname ?? '-');
  const rows = e.endpoints.map((ep) => [
    ep.expectedPriority !== undefined && ep.expectedPriority !== ep.priority ? `${ep.priority}≠${ep.expectedPriority}` : String(ep.priority),
    sanitize(ep.address),
    formatLocality(ep.locality) || '-',
    ep.health,
    ep.outlier === 'ejected' ? 'EJECTED' : 'ok',
    rq(ep.stats),
    sanitize(who(ep)),
  ]);
  out.push(...columns(['PRIO', 'ENDPOINT', 'LOCALITY', 'HEALTH', 'OUTLIER', 'RQ OK/ERR', multi ? 'CONTEXT/POD OR HOST' : 'POD OR HOST'], rows, (r, line) => (r[4] === 'EJECTED' ? s.red(line) : line)));
  // Why each endpoint got its priority, grouped: the reasons are the same for most endpoints of a priority.
  const reasons = new Map<string, string[]>();
  for (const ep of e.endpoints) {
    const k = `${ep.priority}\u0000${ep.reason}`;
    reasons.set(k, [...(reasons.get(k) ?? []), ep.address]);
  }
  out.push('', s.bold('Why these priorities'));
  for (const [k, addrs] of reasons) {
    const [prio, reason] = k.split('\u0000') as [string, string];
    out.push(wrap(`priority ${prio}: ${reason} (${addrs.length > 3 ? `${addrs.slice(0, 3).join(', ')} and ${addrs.length - 3} more` : addrs.join(', ')})`, width, '  '));
  }
  out.push('');
  out.push(s.bold('Traffic now'));
  for (const p of e.priorities) {
    out.push(`  priority ${p.priority}: ${String(p.loadPercent).padStart(3)}%  ${p.healthy}/${p.hosts} healthy${p.panic ? ' (PANIC: spread over all hosts)' : ''}  ${sanitize(p.localities.join(', '))}`);
  }
  if (e.whatIf.length) {
    out.push('', s.bold('What if'));
    for (const w of e.whatIf) out.push(wrap(`- ${w.scenario}: ${w.summary}`, width, '  ').replace(/^ {2}/, '  '));
  }
  if (e.notes.length) {
    out.push('', s.bold('Notes'));
    for (const n of e.notes) out.push(wrap(`! ${n}`, width, '  '));
  }
  out.push('', wrap(`Verdict: ${e.verdict}`, width).replace(/^Verdict/, s.bold('Verdict')));
  return out.join('\n') + '\n';
}

function md(s: string): string {
  return sanitize(s).replace(/([|\\`*_[\]<>])/g, '\\$1');
}

export function renderExplainMarkdown(e: Explanation): string {
  const out: string[] = [`# kubectl failover explain ${md(e.service)}:${e.port}`, ''];
  out.push(`**Verdict:** ${md(e.verdict)}`, '');
  out.push(`- Envoy cluster: \`${sanitize(e.cluster)}\``);
  out.push(`- Proxy: ${e.proxy.pod ? `${e.proxy.kind} ${md(`${e.proxy.namespace}/${e.proxy.pod}`)}` : 'read from a file'}${e.proxy.context ? ` in context \`${sanitize(e.proxy.context)}\`` : ''}, locality \`${formatLocality(e.proxy.locality) || 'unknown'}\` (from ${e.proxy.localitySource})`);
  for (const l of policyLines(e)) out.push(`- ${md(l)}`);
  out.push('', '## Endpoints', '', '| endpoint | context/pod | locality | priority | health | outlier | rq ok/err | why this priority |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const ep of e.endpoints) {
    out.push(`| ${md(ep.address)} | ${md(ep.pod ? `${ep.context}/${ep.pod}` : ep.hostname ?? '-')} | ${formatLocality(ep.locality) || '-'} | ${ep.priority}${ep.expectedPriority !== undefined && ep.expectedPriority !== ep.priority ? ` (expected ${ep.expectedPriority})` : ''} | ${ep.health} | ${ep.outlier} | ${rq(ep.stats)} | ${md(ep.reason)} |`);
  }
  out.push('', '## Traffic split now', '', '| priority | hosts | healthy | load | localities |', '| --- | --- | --- | --- | --- |');
  for (const p of e.priorities) out.push(`| ${p.priority} | ${p.hosts} | ${p.healthy} | ${p.loadPercent}%${p.panic ? ' (panic)' : ''} | ${md(p.localities.join(', '))} |`);
  if (e.whatIf.length) {
    out.push('', '## What if', '', '| failure | split | note |', '| --- | --- | --- |');
    for (const w of e.whatIf) out.push(`| ${md(w.scenario)} | ${w.priorities.map((p) => `P${p.priority} ${p.loadPercent}%`).join(', ')} | ${md(w.summary)} |`);
  }
  if (e.notes.length) out.push('', '## Notes', '', ...e.notes.map((n) => `- ${md(n)}`));
  return out.join('\n') + '\n';
}

export function renderExplanation(e: Explanation, format: OutputFormat, opts: {width?: number; style?: Style} = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(e, null, 2) + '\n';
    case 'yaml':
      return stringify(e, {lineWidth: 0});
    case 'markdown':
      return renderExplainMarkdown(e);
    default:
      return renderExplainTable(e, opts);
  }
}
