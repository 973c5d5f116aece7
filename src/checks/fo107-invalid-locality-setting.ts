import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation, Severity} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {meshInfo} from '../istio/mesh.js';
import type {LocalityLbSetting} from '../istio/types.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {arr, getAtPath, listText, localitySettingsWithPaths, pathText, setAtPath, specClone, specPatchBody, type SpecPath} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO107',
  name: 'invalid-locality-setting',
  severity: 'error',
  severityNote: "error for what Istio's validating webhook rejects; warning for what it accepts but ignores",
  title: 'A localityLbSetting that Istio rejects, or accepts and partly ignores',
  why:
    "Istio's webhook (ValidateLocalityLbSetting) rejects distribute together with failover, failover together with a " +
    'failoverPriority naming the region/zone/subzone labels, failover rules from a region to itself or with "/" or "*", ' +
    'and distribute weights outside [1,100] or not summing to 100 — such an object only exists where validation was ' +
    'bypassed, and is not what runs. It accepts, but ignores, failoverPriority next to distribute and every failover ' +
    'rule after the first one with the same from.',
  remediation:
    'Keep either distribute or failover/failoverPriority; name only regions (no "/" or "*") in failover, with from ≠ to; ' +
    'make each distribute rule\'s weights 1–100 summing to 100; keep one failover rule per from.',
  requires: ['DestinationRule'],
  references: [
    'pkg/config/validation/agent/validation.go ValidateLocalityLbSetting, validateLocalities',
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go ApplyLocalityLoadBalancer, applyLocalityFailover (first matching from wins)',
    'https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting',
  ],
  examples: {
    bad: 'localityLbSetting:\n  distribute:\n  - from: us-east/*\n    to:\n      "us-east/*": 80\n      "us-west/*": 10\n  failover:\n  - from: us-east\n    to: us-east',
    good: 'localityLbSetting:\n  failover:\n  - from: us-east\n    to: us-west',
  },
};

/** One problem, and how to fix it in a (mutable) copy of the setting when a fix is clear. */
interface Problem {
  readonly severity: Severity;
  readonly text: string;
  readonly fix?: (s: LocalityLbSetting) => void;
}

const TOPOLOGY_PRIORITY_LABELS: readonly string[] = [LABEL.region, LABEL.zone, LABEL.subzone];

/** getLocalityParam + validateLocalities: '*' only once and last, no empty segment, no overlap. */
function localityListProblems(localities: readonly string[], what: string): string[] {
  const out: string[] = [];
  const seen = new Map<string, Map<string, Set<string>>>();
  let anyWildcardRegion = false;
  for (const loc of localities) {
    const stars = (loc.match(/\*/g) ?? []).length;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) {
      out.push(`${what} locality "${loc}": '*' may appear once, at the end`);
      continue;
    }
    if (anyWildcardRegion) {
      out.push(`${what} locality "${loc}" overlaps an earlier "*"`);
      continue;
    }
    const items = splitN(loc, '/', 3);
    if (items.some((i) => i === '')) {
      out.push(`${what} locality "${loc}" has an empty region/zone/subzone`);
      continue;
    }
    const [region = '', zone, subZone] = items;
    const overlap = (): void => void out.push(`${what} locality "${loc}" overlaps an earlier one`);
    if (zone === undefined) {
      if (seen.has(region)) overlap();
      else seen.set(region, new Map([['*', new Set(['*'])]]));
      if (region === '*') anyWildcardRegion = true;
    } else if (subZone === undefined) {
      const r = seen.get(region);
      if (r && (r.has('*') || r.has(zone))) overlap();
      else if (r) r.set(zone, new Set(['*']));
      else seen.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      const r = seen.get(region);
      if (r?.has('*')) overlap();
      else if (r?.get(zone)?.has('*') || r?.get(zone)?.has(subZone)) overlap();
      else if (r?.get(zone)) r.get(zone)!.add(subZone);
      else if (r) r.set(zone, new Set([subZone]));
      else seen.set(region, new Map([[zone, new Set([subZone])]]));
    }
  }
  return out;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** What Istio's webhook rejects (errors) or accepts and ignores (warnings) in one localityLbSetting. */
export function localitySettingProblems(s: LocalityLbSetting): Problem[] {
  const out: Problem[] = [];
  const distribute = arr(s.distribute);
  const failover = arr(s.failover);
  const priority = arr(s.failoverPriority);
  if (distribute.length > 0 && failover.length > 0) {
    out.push({
      severity: 'error',
      text: 'distribute and failover together (rejected; where it got in, distribute is what Istio applies)',
      fix: (x) => void delete x.failover,
    });
  }
  if (failover.length > 0) {
    const topo = priority.filter((p) => TOPOLOGY_PRIORITY_LABELS.includes(p));
    if (topo.length > 0) {
      out.push({
        severity: 'error',
        text: `failover together with ${listText(topo)} in failoverPriority (rejected: region failover already orders by these labels)`,
        fix: (x) => {
          const rest = arr(x.failoverPriority).filter((p) => !TOPOLOGY_PRIORITY_LABELS.includes(p));
          if (rest.length) x.failoverPriority = rest;
          else delete x.failoverPriority;
        },
      });
    }
  }
  distribute.forEach((d, i) => {
    const weights = Object.entries(d?.to ?? {});
    const bad = weights.filter(([, w]) => !(typeof w === 'number' && Number.isInteger(w) && w >= 1 && w <= 100));
    if (bad.length) out.push({severity: 'error', text: `distribute[${i}] weight ${listText(bad.map(([k, w]) => `${k}: ${String(w)}`))} is outside [1, 100] (rejected)`});
    else {
      const total = weights.reduce((sum, [, w]) => sum + w, 0);
      if (total !== 100) out.push({severity: 'error', text: `distribute[${i}] weights sum to ${total}, not 100 (rejected)`});
    }
    for (const t of localityListProblems(weights.map(([k]) => k), `distribute[${i}].to`)) out.push({severity: 'error', text: `${t} (rejected)`});
  });
  for (const t of localityListProblems(distribute.map((d) => d?.from ?? ''), 'distribute from')) out.push({severity: 'error', text: `${t} (rejected)`});
  failover.forEach((f, i) => {
    const from = f?.from ?? '';
    const to = f?.to ?? '';
    if (from === to) {
      out.push({severity: 'error', text: `failover[${i}] goes from ${from || '""'} to itself (rejected)`, fix: (x) => markDrop(x, i)});
      return;
    }
    if (from.includes('*') || to.includes('*')) {
      out.push({severity: 'error', text: `failover[${i}] (${from} → ${to}) uses '*': failover takes region names only (rejected)`, fix: (x) => markDrop(x, i)});
      return;
    }
    if (from.includes('/') || to.includes('/')) {
      const rf = from.split('/')[0] ?? '';
      const rt = to.split('/')[0] ?? '';
      out.push({
        severity: 'error',
        text: `failover[${i}] (${from} → ${to}) names a zone: failover takes region names only (rejected)`,
        fix: (x) => {
          const rule = x.failover?.[i];
          if (!rule) return;
          if (rf === rt) markDrop(x, i);
          else {
            rule.from = rf;
            rule.to = rt;
          }
        },
      });
    }
  });
  if (distribute.length > 0 && priority.length > 0) {
    out.push({severity: 'warning', text: 'failoverPriority next to distribute is ignored (distribute wins)', fix: (x) => void delete x.failoverPriority});
  }
  const firstFrom = new Map<string, number>();
  failover.forEach((f, i) => {
    const from = f?.from ?? '';
    const first = firstFrom.get(from);
    if (first === undefined) firstFrom.set(from, i);
    else out.push({severity: 'warning', text: `failover[${i}] repeats from ${from || '""'} of failover[${first}]: only the first rule for a region applies`, fix: (x) => markDrop(x, i)});
  });
  return out;
}

const DROP = Symbol('drop');
function markDrop(x: LocalityLbSetting, i: number): void {
  const rule = x.failover?.[i] as Record<string | symbol, unknown> | undefined;
  if (rule) rule[DROP] = true;
}
function sweep(x: LocalityLbSetting): void {
  if (!Array.isArray(x.failover)) return;
  x.failover = x.failover.filter((r) => !(r as Record<string | symbol, unknown>)[DROP]);
  if (x.failover.length === 0) delete x.failover;
}

interface Located {
  readonly path: SpecPath;
  readonly problems: Problem[];
}

export const fo107 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    for (const dr of ctx.objects.DestinationRule) {
      const located: Located[] = localitySettingsWithPaths(dr)
        .map(({setting, path}) => ({path, problems: localitySettingProblems(setting)}))
        .filter((l) => l.problems.length > 0);
      for (const severity of ['error', 'warning'] as const) {
        const here = located.map((l) => ({path: l.path, problems: l.problems.filter((p) => p.severity === severity)})).filter((l) => l.problems.length);
        if (here.length) out.push(ruleFinding(ctx, dr, severity, here));
      }
    }
    out.push(...meshFindings(ctx));
  }
  return out;
});

function describe(list: readonly Located[]): string {
  return list.map((l) => `${pathText(l.path)}: ${l.problems.map((p) => p.text).join('; ')}`).join('. ');
}

function ruleFinding(ctx: ContextSnapshot, dr: KubeObject, severity: Severity, list: readonly Located[]): Finding {
  const ref = {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name};
  const fixable = list.every((l) => l.problems.every((p) => p.fix));
  let remediation: Remediation;
  if (fixable) {
    const edited = specClone(dr);
    for (const l of list) {
      const s = getAtPath(edited, l.path) as LocalityLbSetting;
      for (const p of l.problems) p.fix!(s);
      sweep(s);
      setAtPath(edited, l.path, s);
    }
    remediation = patchRemediation(
      severity === 'error'
        ? 'Make the localityLbSetting valid (this patch keeps what Istio applies today: distribute over failover, regions only, no self-failover).'
        : 'Remove what Istio ignores (failoverPriority next to distribute, repeated failover rules for one region).',
      ctx.name,
      ref,
      specPatchBody(dr, edited) ?? {spec: {}},
    );
  } else {
    remediation = {
      summary: 'Fix the distribute weights/localities by hand (each rule: weights 1–100 summing to 100; localities "region", "region/zone", "region/zone/subzone" or ending in "*", not overlapping).',
      commands: [kubectl(ctx.name, ref.namespace, 'edit', 'destinationrule', dr.metadata.name)],
    };
  }
  return finding(meta, {
    context: ctx,
    object: dr,
    severity,
    message: `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: ${describe(list)}.`,
    remediation,
    details: {problems: list.map((l) => ({path: pathText(l.path), problems: l.problems.map((p) => p.text)}))},
  });
}

function meshFindings(ctx: ContextSnapshot): Finding[] {
  const info = meshInfo(ctx);
  const setting = info.config.localityLbSetting;
  if (!setting) return [];
  const problems = localitySettingProblems(setting);
  const cm = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace).find((c) => c.metadata.name === 'istio') ??
    ctx.index.byNamespace('ConfigMap', ctx.istioNamespace).find((c) => c.metadata.name.startsWith('istio-') && c.data?.mesh !== undefined);
  if (!cm) return [];
  const out: Finding[] = [];
  for (const severity of ['error', 'warning'] as const) {
    const list = problems.filter((p) => p.severity === severity);
    if (!list.length) continue;
    const fixed = structuredClone(setting);
    const fixable = list.every((p) => p.fix);
    if (fixable) {
      for (const p of list) p.fix!(fixed);
      sweep(fixed);
    }
    const snippet = stringify({localityLbSetting: fixable ? fixed : setting});
    out.push(
      finding(meta, {
        context: ctx,
        object: cm,
        severity,
        message: `Mesh config (ConfigMap ${cm.metadata.namespace}/${cm.metadata.name}) localityLbSetting: ${list.map((p) => p.text).join('; ')}.`,
        remediation: {
          summary:
            (fixable ? 'Set the mesh config localityLbSetting to the snippet' : 'Fix the mesh config localityLbSetting by hand') +
            ' — in meshConfig of your IstioOperator/Helm values if the ConfigMap is generated, else in the ConfigMap.',
          commands: [kubectl(ctx.name, cm.metadata.namespace, 'edit', 'configmap', cm.metadata.name)],
          snippet,
        },
        details: {problems: list.map((p) => p.text)},
      }),
    );
  }
  return out;
}
