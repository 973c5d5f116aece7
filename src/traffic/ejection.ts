/**
 * Outlier ejection limits (PRODUCT.md §5 FO102). Envoy counts max_ejection_percent over ALL hosts
 * of the cluster, across priorities (outlier_detection_impl.cc ejectHost, "not currently checked
 * per-priority level"). Pure.
 */
import {ENVOY} from '../istio/constants.js';

/**
 * Envoy's max_ejection_percent for an Istio outlierDetection.maxEjectionPercent: Istio sets it only
 * when > 0, so unset or 0 means Envoy's default 10.
 */
export function envoyMaxEjectionPercent(istioMaxEjectionPercent: number | undefined): number {
  return istioMaxEjectionPercent !== undefined && istioMaxEjectionPercent > 0 ? istioMaxEjectionPercent : ENVOY.maxEjectionPercent;
}

/**
 * How many of `totalHosts` hosts Envoy can have ejected at once. Strict rule (Envoy ≥ 1.28, Istio
 * ≥ 1.20): a further ejection happens only if 100·(active+1)/N ≤ max_ejection_percent, so with the
 * default 10% fewer than 10 hosts means nothing is ever ejected. `strict: false` is the legacy rule
 * (eject while 100·active/N < max_ejection_percent: the first ejection always happens).
 */
export function maxEjectable(totalHosts: number, maxEjectionPercent: number, opts: {strict?: boolean} = {}): number {
  const n = Math.max(0, Math.floor(totalHosts));
  if (n === 0) return 0;
  const mep = Math.max(0, maxEjectionPercent);
  const strict = opts.strict ?? true;
  let active = 0;
  // Integer-exact comparison: 100·x/N vs mep  ⇔  100·x vs mep·N.
  while (active < n && (strict ? 100 * (active + 1) <= mep * n : 100 * active < mep * n)) active++;
  return active;
}

/**
 * The share (%) of requests that stays on a failing tier of k hosts when only M of them can be
 * ejected (the other k−M still look healthy to Envoy): min(100, 140·(k−M)/k), integer as Envoy
 * computes priority health; lower priorities are assumed healthy enough to take the rest.
 */
export function stayShare(k: number, ejectable: number): number {
  if (k <= 0) return 0;
  const m = Math.min(Math.max(0, ejectable), k);
  return Math.min(100, Math.floor((ENVOY.overprovisioningFactor * (k - m)) / k));
}
