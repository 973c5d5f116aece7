import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {isIp} from '../istio/workloads.js';
import {kubectl, patchCommand, patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {editDistance, listText} from './lib/policy-targets.js';
import {EXTRA, clusterDomain, drHostApplies, drSpec, knownHosts, refOfDr, resolvedDrHost, selectorKey, type KnownHost} from './lib/policy-extra.js';
import {compareText} from '../model/collate.js';

const meta: CheckMeta = {
  code: 'FO112',
  name: 'destination-rule-host-unknown',
  severity: 'warning',
  title: 'A DestinationRule\'s host matches no Service or ServiceEntry: its policy applies to nothing',
  why:
    'Istio applies a DestinationRule to the services whose hostname its host matches: a name without dots is completed ' +
    'with the rule\'s own namespace (`<host>.<namespace>.svc.cluster.local`), anything with a dot is taken as written — ' +
    '`helloworld.sample` is not `helloworld.sample.svc.cluster.local` — and a concrete host never applies to a wildcard ' +
    'ServiceEntry. A host that matches nothing leaves its outlierDetection and localityLbSetting without effect, silently.',
  remediation:
    'Use the service\'s FQDN (`<name>.<namespace>.svc.cluster.local`) or a host that a ServiceEntry declares; a short name only works in the service\'s own namespace.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry'],
  references: [
    'pilot/pkg/model/push_context.go SetDestinationRules (ResolveShortnameToFQDN)',
    'pilot/pkg/model/sidecar.go DestinationRule / MostSpecificHostMatch',
    'istioctl analyze IST0174 (UnknownDestinationRuleHost), Kiali KIA0202',
  ],
  examples: {
    bad: 'metadata:\n  namespace: sample\nspec:\n  host: helloworld.sample   # not the Service FQDN: matches nothing',
    good: 'metadata:\n  namespace: sample\nspec:\n  host: helloworld.sample.svc.cluster.local',
  },
};

interface Suggestion {
  readonly host: string;
  readonly why: string;
  /** Confident enough to offer as a structured patch (the intent is evident). */
  readonly strong: boolean;
}

export const fo112 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  const known = knownHosts(snapshot);
  const exact = new Set(known.map((k) => k.host));
  const wildcardKnown = known.filter((k) => k.host.startsWith('*'));
  const concreteKnown = known.filter((k) => !k.host.startsWith('*'));
  const matchCache = new Map<string, boolean>();
  const matches = (pattern: string): boolean => {
    let m = matchCache.get(pattern);
    if (m === undefined) {
      if (!pattern.includes('*')) m = exact.has(pattern) || wildcardKnown.some((k) => drHostApplies(pattern, k.host));
      else m = known.some((k) => drHostApplies(pattern, k.host));
      matchCache.set(pattern, m);
    }
    return m;
  };
  for (const ctx of snapshot.contexts) {
    for (const dr of ctx.objects.DestinationRule) {
      const raw = String(drSpec(dr).host ?? '').trim();
      if (!raw) continue; // rejected by validation
      const host = resolvedDrHost(ctx, dr).toLowerCase();
      if (matches(host)) continue;
      const suggestions = suggest(ctx, dr, raw, host, known, concreteKnown);
      out.push(report(ctx, snapshot, dr, raw, host, suggestions));
    }
  }
  return out;
});

function suggest(ctx: ContextSnapshot, dr: KubeObject, raw: string, host: string, known: readonly KnownHost[], concrete: readonly KnownHost[]): Suggestion[] {
  const domain = clusterDomain(ctx);
  const services = known.filter((k) => k.kind === 'Service');
  const out: Suggestion[] = [];
  const add = (s: Suggestion): void => void (out.some((o) => o.host === s.host) || out.push(s));
  if (host.includes('*')) {
    // A wildcard that matches nothing: offer nothing automatic.
    return out;
  }
  const labels = host.split('.');
  // `name.namespace`, `name.namespace.svc`, `name.namespace.svc.cluster`: a Kubernetes Service written short.
  if (labels.length >= 2 && (labels.length < 4 || labels[2] === 'svc')) {
    const [name, ns] = labels as [string, string];
    const fqdn = `${name}.${ns}.svc.${domain}`;
    if (fqdn !== host && services.some((s) => s.host === fqdn)) add({host: fqdn, why: `the FQDN of Service ${ns}/${name}`, strong: true});
  }
  // A short name resolved in the rule's namespace, while the Service lives elsewhere.
  if (!raw.includes('.')) {
    const same = services.filter((s) => s.name === raw);
    for (const s of same) add({host: s.host, why: `Service ${s.namespace}/${s.name} (a short host resolves in the rule's namespace, ${dr.metadata.namespace})`, strong: same.length === 1});
  }
  // A concrete host for a wildcard ServiceEntry: the rule must name the wildcard.
  for (const k of known) {
    if (k.kind === 'ServiceEntry' && k.host.startsWith('*.') && host.endsWith(k.host.slice(1))) {
      add({host: k.host, why: `ServiceEntry ${k.namespace}/${k.name} declares ${k.host}: a concrete host never applies to a wildcard ServiceEntry`, strong: true});
    }
  }
  if (out.length === 0 && !isIp(host)) {
    // A typo: same number of labels, exactly one label differs, by a small edit distance (cheap on big meshes).
    const mine = host.split('.');
    const near = concrete
      .map((k) => {
        const theirs = k.host.split('.');
        if (theirs.length !== mine.length) return undefined;
        const diff = theirs.map((l, i) => (l === mine[i] ? -1 : i)).filter((i) => i >= 0);
        if (diff.length !== 1) return undefined;
        const i = diff[0]!;
        if (Math.abs(theirs[i]!.length - mine[i]!.length) > EXTRA.maxTypoDistance) return undefined;
        return {k, n: editDistance(theirs[i]!, mine[i]!)};
      })
      .filter((x): x is {k: KnownHost; n: number} => !!x && x.n > 0 && x.n <= EXTRA.maxTypoDistance)
      .sort((a, b) => a.n - b.n || compareText(a.k.host, b.k.host));
    const best = near.filter((x) => x.n === near[0]?.n);
    for (const x of best) add({host: x.k.host, why: `${x.k.kind} ${x.k.namespace}/${x.k.name} (a near spelling)`, strong: false});
  }
  return out;
}

function report(ctx: ContextSnapshot, snapshot: Snapshot, dr: KubeObject, raw: string, host: string, suggestions: readonly Suggestion[]): Finding {
  const contexts = snapshot.contexts.map((c) => c.name);
  const resolvedNote = raw !== host ? ` (Istio reads "${raw}" in namespace ${dr.metadata.namespace} as ${host})` : '';
  let message =
    `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: host ${raw}${resolvedNote} matches no Service or ServiceEntry in ${contexts.length > 1 ? `the contexts read (${listText(contexts)})` : `context ${ctx.name}`}, ` +
    'so its trafficPolicy (outlier detection, locality failover, TLS) applies to nothing.';
  if (suggestions.length) message += ` Did you mean ${listText(suggestions.map((s) => `${s.host} (${s.why})`))}?`;
  return finding(meta, {
    context: ctx,
    object: dr,
    message,
    remediation: remedy(ctx, dr, suggestions),
    details: {host: raw, resolvedHost: host, contexts, suggestions: suggestions.map((s) => s.host)},
  });
}

function remedy(ctx: ContextSnapshot, dr: KubeObject, suggestions: readonly Suggestion[]): Remediation {
  const list = [kubectl(ctx.name, undefined, 'get', 'services', '-A'), kubectl(ctx.name, undefined, 'get', 'serviceentries', '-A')];
  if (suggestions.length === 1) {
    const s = suggestions[0]!;
    const body = {spec: {host: s.host}};
    // Renaming the host onto one that already has a rule in this namespace would make a duplicate (FO111).
    const clash = ctx.index
      .byNamespace('DestinationRule', dr.metadata.namespace ?? '')
      .find((o) => o !== dr && resolvedDrHost(ctx, o).toLowerCase() === s.host && selectorKey(o) === selectorKey(dr));
    const summary =
      `Set the host to ${s.host} — ${s.why}.` +
      (clash ? ` DestinationRule ${clash.metadata.name} already names that host in this namespace: merge the two instead (Istio keeps only the oldest one's trafficPolicy).` : '');
    if (s.strong && !clash) return patchRemediation(summary, ctx.name, refOfDr(dr), body);
    return {summary, commands: [patchCommand(ctx.name, refOfDr(dr), {type: 'merge', body}), ...list]};
  }
  return {
    summary: suggestions.length
      ? `Set the host to the intended one of ${listText(suggestions.map((s) => s.host))} (or delete the rule if its service is gone).`
      : 'Set the host to the FQDN of the intended Service (`<name>.<namespace>.svc.cluster.local`) or to a ServiceEntry host — or delete the rule if its service is gone.',
    commands: [...list, kubectl(ctx.name, dr.metadata.namespace, 'edit', 'destinationrule', dr.metadata.name)],
  };
}
