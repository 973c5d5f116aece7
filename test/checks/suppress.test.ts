import {describe, expect, it} from 'vitest';
import {applySuppressions, parseIgnore, parseSuppressionFile} from '../../src/checks/suppress.js';
import type {Finding, Report} from '../../src/model/types.js';

const f = (code: string, ns: string | undefined, name: string, context = 'c1', severity: Finding['severity'] = 'error'): Finding => ({
  code,
  check: 'x',
  severity,
  context,
  object: {apiVersion: 'v1', kind: ns ? 'Service' : 'Node', ...(ns ? {namespace: ns} : {}), name},
  message: 'm',
  why: 'w',
  docs: `docs/checks/${code}.md`,
});
const report: Report = {contexts: ['c1', 'c2'], findings: [f('FO102', 'sample', 'helloworld'), f('FO102', 'other', 'api', 'c2'), f('FO201', undefined, 'node-1', 'c1', 'warning')], skipped: [], summary: {error: 2, warning: 1, info: 0}, notes: []};

describe('suppressions', () => {
  it('--ignore CODE:ns/name suppresses exactly that finding and lists it', () => {
    const r = applySuppressions(report, [parseIgnore('FO102:sample/helloworld')]);
    expect(r.findings.map((x) => x.object.name)).toEqual(['api', 'node-1']);
    expect(r.suppressed.map((x) => x.object.name)).toEqual(['helloworld']);
    expect(r.summary).toEqual({error: 1, warning: 1, info: 0});
  });
  it('code globs, cluster-scoped names, and contexts from the file', () => {
    expect(applySuppressions(report, [parseIgnore('fo2*')]).findings.map((x) => x.code)).toEqual(['FO102', 'FO102']);
    expect(applySuppressions(report, [parseIgnore('FO201:node-1')]).suppressed).toHaveLength(1);
    const rules = parseSuppressionFile({ignore: [{code: 'FO102', context: 'c2', reason: 'accepted'}, 'FO201']}, 'f.yaml');
    const r = applySuppressions(report, rules);
    expect(r.findings.map((x) => `${x.code}@${x.context}`)).toEqual(['FO102@c1']);
    expect(r.suppressed[0]!.suppressedBy.reason).toBe('accepted');
  });
  it('rejects malformed rules', () => {
    expect(() => parseIgnore('not a code')).toThrow(/expected CODE/);
    expect(() => parseSuppressionFile({ignore: 'FO1'}, 'f.yaml')).toThrow(/must be a list/);
    expect(() => parseSuppressionFile({ignore: [{object: 'x'}]}, 'f.yaml')).toThrow(/needs a "code"/);
  });
});
