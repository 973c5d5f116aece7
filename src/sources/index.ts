import {buildContext, buildSnapshot, type Snapshot} from '../model/snapshot.js';
import {loadBundle} from './bundle.js';
import {UserError} from './errors.js';

export interface SourceOptions {
  readonly bundle?: string;
  readonly kubeconfig?: string;
  readonly contexts: readonly string[];
  readonly requestTimeoutMs: number;
  readonly istioNamespace: string;
  readonly clientNamespaces?: readonly string[];
  readonly fromPods?: Snapshot['fromPods'];
  readonly onProgress?: (msg: string) => void;
}

export interface LoadedSnapshot {
  readonly snapshot: Snapshot;
  readonly unreachable: readonly {context: string; reason: string}[];
  cleanup(): Promise<void>;
}

/** Collect into one immutable Snapshot, from a bundle or from live clusters. */
export async function loadSnapshot(opts: SourceOptions): Promise<LoadedSnapshot> {
  const snapOpts = {clientNamespaces: opts.clientNamespaces ?? [], fromPods: opts.fromPods ?? []};
  if (opts.bundle) {
    const b = await loadBundle(opts.bundle, {istioNamespace: opts.istioNamespace === 'istio-system' ? undefined : opts.istioNamespace});
    let inputs = b.contexts;
    if (opts.contexts.length) {
      const known = inputs.map((c) => c.name);
      for (const c of opts.contexts) if (!known.includes(c)) throw new UserError(`context "${c}" is not in the bundle (it has: ${known.join(', ')})`);
      inputs = inputs.filter((c) => opts.contexts.includes(c.name));
    }
    return {snapshot: buildSnapshot(inputs.map(buildContext), {...snapOpts, notes: b.notes}), unreachable: [], cleanup: b.cleanup};
  }
  const {readLive} = await import('./kube.js');
  const live = await readLive({kubeconfig: opts.kubeconfig, contexts: opts.contexts, requestTimeoutMs: opts.requestTimeoutMs, istioNamespace: opts.istioNamespace, onProgress: opts.onProgress});
  if (live.contexts.length === 0) {
    const u = live.unreachable[0];
    throw new UserError(u ? `cannot read context ${u.context}: ${u.reason}` : 'no context could be read', 3);
  }
  return {snapshot: buildSnapshot(live.contexts.map(buildContext), {...snapOpts, notes: live.notes}), unreachable: live.unreachable, cleanup: async () => {}};
}
