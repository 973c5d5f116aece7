import {stringify} from 'yaml';
import type {Finding, ObjectRef, Report, Severity} from '../model/types.js';
import {SEVERITIES} from '../model/types.js';
import {PLAIN, sanitize, type Style, wrap} from './text.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'markdown';

export interface RenderOptions {
  readonly width?: number;
  readonly style?: Style;
}

/** The JSON/YAML document of PRODUCT.md §2.1; field names are a contract. */
export function reportDocument(report: Report): Record<string, unknown> {
  return {
    contexts: report.contexts,
    findings: report.findings,
    skipped: report.skipped,
    summary: report.summary,
    ...(report.suppressed?.length ? {suppressed: report.suppressed} : {}),
    ...(report.notes.length ? {notes: report.notes} : {}),
  };
}

export function objectLabel(o: ObjectRef): string {
  return sanitize(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`);
}

const MARK: Record<Severity, string> = {error: '×', warning: '‼', info: 'i'};
const HEADING: Record<Severity, string> = {error: 'Errors', warning: 'Warnings', info: 'Info'};

function color(style: Style, sev: Severity): (s: string) => string {
  return sev === 'error' ? style.red : sev === 'warning' ? style.yellow : style.blue;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(report: Report): string {
  const s = report.summary;
  const parts = [plural(s.error, 'error'), plural(s.warning, 'warning'), `${s.info} info`];
  let line = `${parts.join(', ')} in ${plural(report.contexts.length, 'context')} (${report.contexts.map(sanitize).join(', ')})`;
  if (report.skipped.length) line += `; ${plural(new Set(report.skipped.map((k) => k.check)).size, 'check')} skipped`;
  if (report.suppressed?.length) line += `; ${report.suppressed.length} suppressed`;
  return line;
}

function findingBlock(f: Finding, width: number, style: Style): string {
  const c = color(style, f.severity);
  const lines: string[] = [];
  lines.push(`${c(MARK[f.severity])} ${style.bold(`${f.code} ${f.check}`)}  ${objectLabel(f.object)}  ${style.dim(`[${sanitize(f.context)}]`)}`);
  lines.push(wrap(f.message, width, '  '));
  lines.push(style.dim(wrap(`why: ${f.why}`, width, '  ')));
  if (f.remediation) {
    lines.push(wrap(`fix: ${f.remediation.summary}`, width, '  '));
    for (const cmd of f.remediation.commands) lines.push(`    ${style.green('$')} ${sanitize(cmd)}`);
    if (f.remediation.snippet) lines.push(sanitize(f.remediation.snippet).replace(/^/gm, '    ').trimEnd());
  }
  lines.push(style.dim(`  docs: ${f.docs}`));
  return lines.join('\n');
}

export function renderTable(report: Report, opts: RenderOptions = {}): string {
  const width = Math.max(60, Math.min(opts.width ?? 100, 160));
  const style = opts.style ?? PLAIN;
  const out: string[] = [];
  for (const sev of SEVERITIES) {
    const list = report.findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    out.push(style.bold(color(style, sev)(`${HEADING[sev]} (${list.length})`)), '');
    for (const f of list) out.push(findingBlock(f, width, style), '');
  }
  if (report.findings.length === 0) out.push(style.green('✔ No failover problems found.'), '');
  if (report.skipped.length) {
    out.push(style.bold('Skipped'));
    for (const s of report.skipped) out.push(wrap(`${s.check} in ${s.context}: ${s.reason}`, width, '  '));
    out.push('');
  }
  out.push(summaryLine(report));
  return out.join('\n') + '\n';
}

function mdEscape(s: string): string {
  return sanitize(s).replace(/([|\\`*_[\]<>])/g, '\\$1');
}

export function renderMarkdown(report: Report): string {
  const out: string[] = ['# kubectl failover doctor', ''];
  out.push(`**Contexts:** ${report.contexts.map((c) => `\`${sanitize(c)}\``).join(', ')}`, '');
  out.push(`**Summary:** ${summaryLine(report)}`, '');
  if (report.findings.length) {
    out.push('| severity | code | check | object | context |', '| --- | --- | --- | --- | --- |');
    for (const f of report.findings) out.push(`| ${f.severity} | ${f.code} | ${f.check} | ${mdEscape(objectLabel(f.object))} | ${mdEscape(f.context)} |`);
    out.push('');
    for (const f of report.findings) {
      out.push(`## ${f.severity}: ${f.code} ${f.check} — ${mdEscape(objectLabel(f.object))} (${mdEscape(f.context)})`, '');
      out.push(mdEscape(f.message), '', `*Why:* ${mdEscape(f.why)}`, '');
      if (f.remediation) {
        out.push(`*Fix:* ${mdEscape(f.remediation.summary)}`, '');
        if (f.remediation.commands.length) out.push('```sh', ...f.remediation.commands.map(sanitize), '```', '');
        if (f.remediation.snippet) out.push('```yaml', sanitize(f.remediation.snippet).trimEnd(), '```', '');
      }
      out.push(`Docs: [${f.code}](${f.docs})`, '');
    }
  } else out.push('No failover problems found.', '');
  if (report.skipped.length) {
    out.push('## Skipped checks', '', '| check | context | reason |', '| --- | --- | --- |');
    for (const s of report.skipped) out.push(`| ${s.check} | ${mdEscape(s.context)} | ${mdEscape(s.reason)} |`);
    out.push('');
  }
  if (report.notes.length) out.push('## Notes', '', ...report.notes.map((n) => `- ${mdEscape(n)}`), '');
  return out.join('\n');
}

export function renderReport(report: Report, format: OutputFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(reportDocument(report), null, 2) + '\n';
    case 'yaml':
      return stringify(reportDocument(report), {lineWidth: 0});
    case 'markdown':
      return renderMarkdown(report);
    default:
      return renderTable(report, opts);
  }
}
