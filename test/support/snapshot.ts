import type {KindKey} from '../../src/model/kinds.js';
import {buildContext, buildSnapshot, type ProxyState, type Snapshot, type UnreadKind} from '../../src/model/snapshot.js';
import type {KubeObject} from '../../src/model/types.js';
import {parseManifests} from '../../src/sources/manifests.js';

export interface ContextYaml {
  readonly yaml: string;
  readonly proxies?: readonly ProxyState[];
  readonly istioNamespace?: string;
  readonly unread?: readonly UnreadKind[];
}

/** Build a Snapshot from YAML per context: `snapshotFromYaml({cluster1: '...', cluster2: '...'})`. */
export function snapshotFromYaml(
  contexts: Record<string, string | ContextYaml>,
  opts: {clientNamespaces?: string[]; fromPods?: Snapshot['fromPods']} = {},
): Snapshot {
  const ctxs = Object.entries(contexts).map(([name, v]) => {
    const input = typeof v === 'string' ? {yaml: v} : v;
    const parsed = parseManifests(input.yaml, `${name}.yaml`);
    if (parsed.problems.length) throw new Error(`test YAML for ${name}: ${parsed.problems.map((p) => `${p.line}: ${p.message}`).join('; ')}`);
    const objects: Partial<Record<KindKey, KubeObject[]>> = {};
    for (const {key, obj} of parsed.objects) (objects[key] ??= []).push(obj);
    return buildContext({name, objects, ...(input.proxies ? {proxies: input.proxies} : {}), ...(input.istioNamespace ? {istioNamespace: input.istioNamespace} : {}), ...(input.unread ? {unread: input.unread} : {})});
  });
  return buildSnapshot(ctxs, opts);
}

/** `code kind ns/name @context` of each finding, sorted: what table-driven check tests compare. */
export function keysOf(findings: readonly {code: string; context: string; object: {kind: string; namespace?: string; name: string}}[]): string[] {
  return findings.map((f) => `${f.code} ${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} @${f.context}`).sort();
}
