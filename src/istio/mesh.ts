import {parse} from 'yaml';
import {parseSimpleYaml} from '../sources/yaml-fast.js';
import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {ISTIO} from './constants.js';
import {matchesLabelSelector} from './selectors.js';
import type {MeshConfig} from './types.js';

const cache = new WeakMap<ContextSnapshot, MeshInfo>();

export interface MeshInfo {
  /** The parsed mesh config, {} when the ConfigMap is absent or unreadable. */
  readonly config: MeshConfig;
  /** Whether the `istio` ConfigMap was found (revisioned ones: `istio-<rev>`). */
  readonly found: boolean;
  readonly parseError?: string;
}

/** The mesh config of a context: ConfigMap `istio` (or `istio-<rev>`) in the Istio namespace, key `mesh`. */
export function meshInfo(ctx: ContextSnapshot): MeshInfo {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const cms = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace);
  const cm = cms.find((c) => c.metadata.name === 'istio') ?? cms.find((c) => c.metadata.name.startsWith('istio-') && c.data?.mesh !== undefined);
  let info: MeshInfo = {config: {}, found: !!cm};
  if (cm?.data?.mesh) {
    try {
      info = {config: (parseYaml(cm.data.mesh) ?? {}) as MeshConfig, found: true};
    } catch (e) {
      info = {config: {}, found: true, parseError: (e as Error).message};
    }
  }
  cache.set(ctx, info);
  return info;
}

/**
 * The `yaml` package's parse(text) — one document, unique keys, its errors thrown — through the
 * fast reader when that reads the text (the same value: sources/yaml-fast.ts), which spares the
 * yaml package's parser a few milliseconds of every start (issue #5). Several documents, a repeated
 * key or anything the fast reader does not handle go to `yaml` itself.
 */
export function parseYaml(text: string): unknown {
  const docs = parseSimpleYaml(text, {uniqueKeys: true});
  return docs?.length === 1 ? docs[0] : parse(text);
}

export function meshConfig(ctx: ContextSnapshot): MeshConfig {
  return meshInfo(ctx).config;
}

/**
 * Is a Service global (ambient multicluster)? The mesh's serviceScopeConfigs decide; when the
 * mesh config is absent from what was read, the ambient profile's default (istio.io/global=true)
 * is assumed.
 */
export function isGlobalService(ctx: ContextSnapshot, svc: KubeObject): boolean {
  const info = meshInfo(ctx);
  const scopes = info.config.serviceScopeConfigs;
  const labels = svc.metadata.labels ?? {};
  if (!scopes || scopes.length === 0) {
    // A mesh config that was read and has no serviceScopeConfigs makes nothing global; only when it
    // could not be read is the ambient profile's default (istio.io/global=true) assumed.
    if (info.found && !info.parseError) return false;
    return (ISTIO.defaultGlobalSelector.values as readonly string[]).includes(labels[ISTIO.defaultGlobalSelector.key] ?? '\u0000');
  }
  const ns = ctx.index.namespace(svc.metadata.namespace ?? '');
  let global = false;
  for (const s of scopes) {
    if (!matchesLabelSelector(s.namespaceSelector, ns?.metadata.labels)) continue;
    if (!matchesLabelSelector(s.servicesSelector, labels)) continue;
    global = s.scope === 'GLOBAL';
  }
  return global;
}

/** The label (key=value) that makes a service global in this context, for remediation text. */
export function globalLabel(ctx: ContextSnapshot): {key: string; value: string} {
  for (const s of meshConfig(ctx).serviceScopeConfigs ?? []) {
    if (s.scope !== 'GLOBAL') continue;
    const ml = Object.entries(s.servicesSelector?.matchLabels ?? {})[0];
    if (ml) return {key: ml[0], value: ml[1]};
    const me = s.servicesSelector?.matchExpressions?.find((e) => e.operator === 'In' && e.values?.length);
    if (me) return {key: me.key, value: me.values![0]!};
  }
  return {key: ISTIO.defaultGlobalSelector.key, value: ISTIO.defaultGlobalSelector.values[0]};
}
