import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {destinationRuleHost} from '../istio/hosts.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {
  applyHeredoc,
  canonicalJson,
  controlPlaneRole,
  destinationRuleKey,
  diffPaths,
  hostDefinedIn,
  keyOf,
  mergePatchBetween,
  portableDestinationRule,
  sameMesh,
  toYaml,
} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO404',
  name: 'destination-rule-drift',
  severity: 'warning',
  title: 'DestinationRule differs between primary clusters, or exists in only some',
  why:
    'Each primary cluster\'s istiod programs its own proxies from its own DestinationRules; nothing is synced between clusters. ' +
    'When the rule for a host differs (or is missing) in one primary, clients there get another outlier detection and locality policy: ' +
    'failover works from one cluster and not from the other. Remote clusters of a primary-remote mesh legitimately have none (their istiod is the primary\'s).',
  remediation: 'Apply the same DestinationRule in every primary cluster (GitOps the rule, not the cluster).',
  requires: ['DestinationRule', 'Deployment', 'Service'],
  references: [
    'https://istio.io/latest/docs/ops/configuration/traffic-management/multicluster/ (configuration is per primary)',
    'https://istio.io/latest/docs/ambient/install/multicluster/failover/ (apply the same DestinationRule in each cluster)',
  ],
  examples: {
    bad: `# cluster1: outlierDetection {consecutive5xxErrors: 1}; cluster2: no outlierDetection`,
    good: `# the same spec in cluster1 and cluster2`,
  },
};

/** The spec as compared: the host resolved (a short name and its FQDN are the same host). */
function comparableSpec(dr: KubeObject): unknown {
  return {...(dr.spec ?? {}), host: destinationRuleHost(dr)};
}

interface Holding {
  readonly ctx: ContextSnapshot;
  readonly drs: readonly KubeObject[];
  readonly variant: string;
}

export const fo404 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  const primaries = snapshot.contexts.filter((c) => controlPlaneRole(c) === 'primary');
  if (primaries.length < 2) return out;
  const order = new Map(snapshot.contexts.map((c, i) => [c, i]));
  // host key → context → its rules for that key
  const byKey = new Map<string, Map<ContextSnapshot, KubeObject[]>>();
  for (const ctx of primaries) {
    for (const dr of ctx.objects.DestinationRule) {
      const k = destinationRuleKey(dr);
      const m = byKey.get(k) ?? byKey.set(k, new Map()).get(k)!;
      (m.get(ctx) ?? m.set(ctx, []).get(ctx)!).push(dr);
    }
  }
  for (const perCtx of byKey.values()) {
    const holdings: Holding[] = [...perCtx].map(([ctx, drs]) => ({ctx, drs, variant: drs.map((d) => canonicalJson(comparableSpec(d))).sort().join('\n')}));
    // The reference: the most common variant, ties to the earliest context of the run.
    const counts = new Map<string, number>();
    for (const h of holdings) counts.set(h.variant, (counts.get(h.variant) ?? 0) + 1);
    const ref = [...holdings].sort((a, b) => counts.get(b.variant)! - counts.get(a.variant)! || order.get(a.ctx)! - order.get(b.ctx)!)[0]!;
    const host = destinationRuleHost(ref.drs[0]!);
    for (const h of holdings) {
      if (h.variant === ref.variant || !sameMesh(h.ctx, ref.ctx)) continue;
      out.push(differs(h, ref, host));
    }
    for (const ctx of primaries) {
      if (perCtx.has(ctx) || !sameMesh(ctx, ref.ctx)) continue;
      // Only where the host exists: a service that runs in one cluster only needs its rule there only.
      if (!hostDefinedIn(ctx, host)) continue;
      out.push(missing(ctx, ref, host));
    }
  }
  return out;
});

function differs(h: Holding, ref: Holding, host: string): Finding {
  const mine = h.drs[0]!;
  const theirs = ref.drs[0]!;
  const paths = h.drs.length === 1 && ref.drs.length === 1 ? diffPaths(comparableSpec(theirs), comparableSpec(mine), 'spec') : [];
  let remediation: Remediation;
  if (h.drs.length === 1 && ref.drs.length === 1) {
    const body = {spec: mergePatchBetween(mine.spec ?? {}, theirs.spec ?? {})};
    remediation = patchRemediation(
      `If ${ref.ctx.name}'s DestinationRule ${keyOf(theirs)} is the intended one, make ${h.ctx.name}'s equal to it (otherwise patch ${ref.ctx.name} the other way).`,
      h.ctx.name,
      {apiVersion: mine.apiVersion, kind: 'DestinationRule', namespace: mine.metadata.namespace!, name: mine.metadata.name},
      body,
    );
  } else {
    const manifest = toYaml(ref.drs.map(portableDestinationRule));
    remediation = {
      summary: `Make ${h.ctx.name}'s DestinationRules for ${host} the same as ${ref.ctx.name}'s (${ref.drs.map(keyOf).join(', ')}); delete the ones ${ref.ctx.name} does not have.`,
      commands: [applyHeredoc(h.ctx.name, manifest)],
      snippet: manifest,
    };
  }
  return finding(meta, {
    context: h.ctx,
    object: mine,
    message:
      `The DestinationRule for ${host} in ${h.ctx.name} (${h.drs.map(keyOf).join(', ')}) differs from ${ref.ctx.name}'s (${ref.drs.map(keyOf).join(', ')})` +
      (paths.length ? ` at ${paths.join(', ')}` : '') +
      `: clients in the two clusters get different outlier detection and locality policy, so failover behaves differently depending on where the call starts.`,
    remediation,
    details: {host, context: h.ctx.name, reference: ref.ctx.name, differingPaths: paths, rules: h.drs.map(keyOf), referenceRules: ref.drs.map(keyOf)},
  });
}

function missing(ctx: ContextSnapshot, ref: Holding, host: string): Finding {
  const first = ref.drs[0]!;
  const manifest = toYaml(ref.drs.map(portableDestinationRule));
  return finding(meta, {
    context: ctx,
    object: {apiVersion: first.apiVersion, kind: 'DestinationRule', namespace: first.metadata.namespace!, name: first.metadata.name},
    message:
      `Primary cluster ${ctx.name} has no DestinationRule for ${host}, which it serves, while ${ref.ctx.name} has ${ref.drs.map(keyOf).join(', ')}: ` +
      `clients in ${ctx.name} get no outlier detection or locality policy for it, so they never fail over.`,
    remediation: {
      summary: `Apply ${ref.ctx.name}'s DestinationRule for ${host} in ${ctx.name}.`,
      commands: [
        ...[...new Set(ref.drs.map((d) => d.metadata.namespace!))].filter((ns) => !ctx.index.namespace(ns)).map((ns) => kubectl(ctx.name, undefined, 'create', 'namespace', ns)),
        applyHeredoc(ctx.name, manifest),
      ],
      snippet: manifest,
    },
    details: {host, context: ctx.name, reference: ref.ctx.name, referenceRules: ref.drs.map(keyOf)},
  });
}
