import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {ISTIO} from './constants.js';
import {meshConfig} from './mesh.js';
import type {DestinationRuleSpec} from './types.js';
import {compareText} from '../model/collate.js';

export function serviceFqdn(svc: KubeObject, domain: string = ISTIO.domain): string {
  return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${domain}`;
}

/**
 * Istio's ResolveShortnameToFQDN: a host without a dot gets `<namespace>.svc.<domain>`; a host
 * with a dot is taken as written (so `helloworld.sample` is NOT the Service's FQDN).
 */
export function resolveHost(host: string, namespace: string | undefined, domain: string = ISTIO.domain): string {
  if (host === '*' || host.includes('.')) return host;
  return namespace ? `${host}.${namespace}.svc.${domain}` : host;
}

/** Does a (possibly wildcard) host pattern match a concrete host name? */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** How specific a host pattern is: exact beats the longest wildcard suffix beats '*'. */
function specificity(pattern: string): number {
  if (!pattern.startsWith('*')) return 1e6;
  return pattern.length;
}

export function destinationRuleHost(dr: KubeObject): string {
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  return resolveHost(spec.host ?? '', dr.metadata.namespace);
}

function exportedTo(dr: KubeObject, clientNs: string): boolean {
  const exportTo = ((dr.spec ?? {}) as DestinationRuleSpec).exportTo;
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? dr.metadata.namespace === clientNs : e === clientNs));
}

function oldestFirst(a: KubeObject, b: KubeObject): number {
  return compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') || compareText(a.metadata.name, b.metadata.name);
}

/**
 * The DestinationRules that apply to `host` for a client in `clientNs`, in Istio's lookup order
 * (client namespace, then the service's namespace, then the root namespace); within a namespace
 * the most specific host wins, oldest first. Rules with a workloadSelector are left out (they apply
 * to selected client workloads only). The first element is the rule whose trafficPolicy applies.
 */
export function destinationRulesFor(ctx: ContextSnapshot, host: string, opts: {clientNs?: string; serviceNs?: string; rootNs?: string} = {}): KubeObject[] {
  const rootNs = opts.rootNs ?? meshConfig(ctx).rootNamespace ?? ctx.istioNamespace;
  const order = [...new Set([opts.clientNs, opts.serviceNs, rootNs].filter((n): n is string => !!n))];
  for (const ns of order) {
    const candidates = ctx.index.byNamespace('DestinationRule', ns).filter((dr) => {
      const spec = (dr.spec ?? {}) as DestinationRuleSpec;
      if (spec.workloadSelector) return false;
      if (!hostMatches(destinationRuleHost(dr), host)) return false;
      return exportedTo(dr, opts.clientNs ?? opts.serviceNs ?? ns);
    });
    if (candidates.length === 0) continue;
    const best = Math.max(...candidates.map((dr) => specificity(destinationRuleHost(dr))));
    return candidates.filter((dr) => specificity(destinationRuleHost(dr)) === best).sort(oldestFirst);
  }
  return [];
}

/**
 * The single DestinationRule whose trafficPolicy applies: Istio merges same-host rules, taking
 * subsets from all and the trafficPolicy of the first (oldest) rule that has one.
 */
export function destinationRuleFor(ctx: ContextSnapshot, host: string, opts: {clientNs?: string; serviceNs?: string} = {}): KubeObject | undefined {
  const rules = destinationRulesFor(ctx, host, opts);
  return rules.find((r) => (r.spec as DestinationRuleSpec | undefined)?.trafficPolicy) ?? rules[0];
}
