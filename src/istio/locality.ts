import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {LABEL} from './constants.js';

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

export const NO_LOCALITY: Locality = Object.freeze({region: '', zone: '', subZone: ''});

/** Istio's SplitLocalityLabel: split on '/', segments beyond the third are dropped. */
export function parseLocality(s: string | undefined): Locality {
  if (!s) return NO_LOCALITY;
  const [region = '', zone = '', subZone = ''] = s.split('/');
  return {region, zone, subZone};
}

export function formatLocality(l: Locality): string {
  if (!l.region && !l.zone && !l.subZone) return '';
  return [l.region, l.zone, l.subZone].join('/').replace(/\/+$/, '');
}

export function isEmptyLocality(l: Locality): boolean {
  return !l.region && !l.zone && !l.subZone;
}

/** SanitizeLocalityLabel: a pod label cannot hold '/', so '.' is read as '/' when no '/' is present. */
export function sanitizeLocalityLabel(v: string): string {
  return v.includes('/') ? v : v.replace(/\./g, '/');
}

export interface NodeLocality extends Locality {
  /** Only the deprecated failure-domain.beta labels were found. */
  readonly fromBetaLabels: boolean;
}

/** A node's locality as Istio's sidecar registry reads it (GA labels, beta fallback). */
export function nodeLocality(node: KubeObject | undefined, opts: {ambient?: boolean} = {}): NodeLocality {
  const l = node?.metadata.labels ?? {};
  // An empty GA label falls back to the beta one, as Istio's getPodLocality does (it tests for "").
  const region = l[LABEL.region] || (opts.ambient ? undefined : l[LABEL.betaRegion]) || '';
  const zone = l[LABEL.zone] || (opts.ambient ? undefined : l[LABEL.betaZone]) || '';
  const fromBetaLabels = (!l[LABEL.region] && !!l[LABEL.betaRegion]) || (!l[LABEL.zone] && !!l[LABEL.betaZone]);
  return {region, zone, subZone: l[LABEL.subzone] ?? '', fromBetaLabels};
}

/** The locality Istio gives a pod's endpoint (controller.go getPodLocality). */
export function podLocality(ctx: ContextSnapshot, pod: KubeObject, opts: {ambient?: boolean} = {}): Locality {
  const labels = pod.metadata.labels ?? {};
  // Ambient's registry reads node labels only (pilot/pkg/serviceregistry/ambient/workloads.go).
  if (!opts.ambient) {
    const override = labels[LABEL.locality] ?? labels[LABEL.legacyLocality];
    if (override) return parseLocality(sanitizeLocalityLabel(override));
  }
  const {region, zone, subZone} = nodeLocality(ctx.index.node(pod.spec?.nodeName), opts);
  return {region, zone, subZone};
}

/** True when the pod's locality comes from its own label rather than its node. */
export function podHasLocalityLabel(pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return !!(labels[LABEL.locality] ?? labels[LABEL.legacyLocality]);
}

/** WorkloadEntry locality: spec.locality, else the locality label, sanitized. */
export function workloadEntryLocality(we: KubeObject): Locality {
  const spec = (we.spec ?? {}) as {locality?: string; labels?: Record<string, string>};
  if (spec.locality) return parseLocality(spec.locality);
  const l = {...(spec.labels ?? {}), ...(we.metadata.labels ?? {})};
  const v = l[LABEL.locality] ?? l[LABEL.legacyLocality];
  return v ? parseLocality(sanitizeLocalityLabel(v)) : NO_LOCALITY;
}
