import Table from 'cli-table3';
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
  const fit = (vals: string[], min: number, max: number): number => Math.min(max, Math.max(min, ...vals.map((v) => v.length + 2)));
  const cAddr = fit(e.endpoints.map((x) => x.address), 10, 26);
  const cPod = fit(e.endpoints.map((x) => (x.pod ? `${x.context}/${x.pod.split('/')[1]}` : x.hostname ?? '-')), 13, 28);
  const cLoc = fit(e.endpoints.map((x) => formatLocality(x.locality) || '-'), 10, 30);
  const fixed = cAddr + cPod + cLoc + 6 + 11 + 9 + 11 + 8;
  const reasonWidth = Math.max(24, width - fixed);
  const t = new Table({
    head: ['ENDPOINT', 'CONTEXT/POD', 'LOCALITY', 'PRIO', 'HEALTH', 'OUTLIER', 'RQ OK/ERR', 'WHY THIS PRIORITY'],
    style: {head: [], border: [], compact: true},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '},
    wordWrap: true,
    colWidths: [cAddr, cPod, cLoc, 6, 11, 9, 11, reasonWidth],
  });
  for (const ep of e.endpoints) {
    const prio = ep.expectedPriority !== undefined && ep.expectedPriority !== ep.priority ? `${ep.priority}≠${ep.expectedPriority}` : String(ep.priority);
    t.push([sanitize(ep.address), sanitize(ep.pod ? `${ep.context}/${ep.pod.split('/')[1]}` : ep.hostname ?? '-'), formatLocality(ep.locality) || '-', prio, ep.health, ep.outlier === 'ejected' ? s.red('EJECTED') : 'ok', rq(ep.stats), sanitize(ep.reason)]);
  }
  out.push(t.toString(), '');
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
  out.push('', `${s.bold('Verdict')}: ${wrap(e.verdict, width).trimStart()}`);
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
