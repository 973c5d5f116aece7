import type {Check, CheckMeta} from '../checks/types.js';

/** The docs page of one check, generated from its metadata (never edited by hand). */
export function renderCheckDoc(meta: CheckMeta): string {
  const out: string[] = [
    `<!-- generated from src/checks metadata by \`npm run docs\`; do not edit -->`,
    `# ${meta.code} ${meta.name}`,
    '',
    `**${meta.title}**`,
    '',
    `- Severity: ${meta.severity}${meta.severityNote ? ` (${meta.severityNote})` : ''}`,
    `- Needs: ${meta.requires.length ? meta.requires.join(', ') : 'nothing beyond the snapshot'}${meta.live ? '; live Envoy state (`--from` or a bundle with Envoy dumps)' : ''}`,
    '',
    '## Why it matters',
    '',
    meta.why,
    '',
    '## How to fix it',
    '',
    meta.remediation,
    '',
    'Each finding carries the exact command for its context and object (`remediation.commands`, and the',
    'structured patch in `remediation.patch` of `-o json`).',
    '',
  ];
  if (meta.examples?.bad) out.push('## Example that fires', '', '```yaml', meta.examples.bad.trimEnd(), '```', '');
  if (meta.examples?.good) out.push('## Example that does not fire', '', '```yaml', meta.examples.good.trimEnd(), '```', '');
  if (meta.references?.length) out.push('## References', '', ...meta.references.map((r) => `- ${r}`), '');
  return out.join('\n');
}

export function renderCatalogue(checks: readonly Check[]): string {
  return [
    '<!-- generated from src/checks metadata by `npm run docs`; do not edit -->',
    '# Check catalogue',
    '',
    'Codes are stable and never reused. Severity: error = failover is broken or will not happen;',
    'warning = it will misbehave in some failures; info = worth knowing.',
    '',
    '| code | check | severity | title |',
    '| --- | --- | --- | --- |',
    ...checks.map((c) => `| [${c.meta.code}](${c.meta.code}.md) | ${c.meta.name} | ${c.meta.severity}${c.meta.severityNote ? '*' : ''} | ${c.meta.title.replace(/\|/g, '\\|')} |`),
    '',
    '\\* the severity depends on the case; see the check\'s page.',
    '',
  ].join('\n');
}
