import type {RequestOptions} from 'node:https';
import {KINDS, type KindInfo, type KindKey} from '../model/kinds.js';
import type {ContextInput, UnreadKind} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {UserError} from './errors.js';
import {HttpError, requestJson, type Transport} from './http.js';

export interface LiveOptions {
  readonly kubeconfig?: string;
  /** Context names; empty = the kubeconfig's current context. */
  readonly contexts: readonly string[];
  readonly requestTimeoutMs: number;
  readonly istioNamespace: string;
  /** Page size for list calls (kubectl uses 500). */
  readonly chunkSize?: number;
  /** Called as each kind of each context is read (spinner text). */
  readonly onProgress?: (msg: string) => void;
}

export interface LiveResult {
  readonly contexts: ContextInput[];
  /** Contexts that could not be read at all, with the reason. */
  readonly unreachable: {context: string; reason: string}[];
  readonly notes: string[];
}

/** Load the kubeconfig with client-node (exec/token/cert auth, proxies as kubectl does). */
async function loadKubeConfig(kubeconfig: string | undefined) {
  // Loaded lazily: the client library takes a noticeable time to import and bundles never need it.
  const {KubeConfig} = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UserError(`cannot load kubeconfig${kubeconfig ? ` ${kubeconfig}` : ''}: ${msg}`);
  }
  if (kc.getContexts().length === 0) {
    throw new UserError(`no kubeconfig contexts found${kubeconfig ? ` in ${kubeconfig}` : ' (set KUBECONFIG or use --kubeconfig, or read a bundle with --bundle)'}`);
  }
  return kc;
}

type KC = Awaited<ReturnType<typeof loadKubeConfig>>;

export async function resolveContexts(kubeconfig: string | undefined, wanted: readonly string[]): Promise<{kc: KC; names: string[]}> {
  const kc = await loadKubeConfig(kubeconfig);
  const available = kc.getContexts().map((c) => c.name);
  const names = wanted.length ? [...new Set(wanted)] : [kc.getCurrentContext()].filter(Boolean);
  if (names.length === 0) throw new UserError('the kubeconfig has no current context: give one with --context');
  for (const n of names) {
    if (!available.includes(n)) throw new UserError(`context "${n}" not found in the kubeconfig (available: ${available.join(', ')})`);
  }
  return {kc, names};
}

/** A transport for one context: base URL and https options with credentials applied. */
export async function transportFor(kc: KC, context: string, timeoutMs: number): Promise<Transport> {
  const {KubeConfig} = await import('@kubernetes/client-node');
  const own = new KubeConfig();
  own.loadFromString(kc.exportConfig());
  own.setCurrentContext(context);
  const cluster = own.getCurrentCluster();
  if (!cluster?.server) throw new UserError(`context "${context}": its cluster has no server address`);
  const opts: RequestOptions = {};
  try {
    await own.applyToHTTPSOptions(opts);
  } catch (e) {
    throw new UserError(`context "${context}": cannot get credentials: ${(e as Error).message.split('\n')[0]}`, 3);
  }
  return {server: cluster.server.replace(/\/+$/, ''), options: opts, timeoutMs, context};
}

interface GroupVersions {
  /** group → the version to read (first preferred one served), or undefined if the group is absent. */
  readonly [group: string]: string | undefined;
}

async function discoverGroups(t: Transport): Promise<GroupVersions> {
  const groups = [...new Set(KINDS.filter((k) => k.group && k.optional).map((k) => k.group))];
  const out: Record<string, string | undefined> = {};
  await Promise.all(
    groups.map(async (g) => {
      try {
        const doc = (await requestJson(t, `/apis/${g}`)) as {versions?: {version: string}[]};
        const served = new Set((doc.versions ?? []).map((v) => v.version));
        const info = KINDS.find((k) => k.group === g)!;
        out[g] = info.versions.find((v) => served.has(v));
      } catch (e) {
        if (e instanceof HttpError && e.status === 404) out[g] = undefined;
        else throw e;
      }
    }),
  );
  return out;
}

function listPath(info: KindInfo, version: string, namespace?: string): string {
  const prefix = info.group ? `/apis/${info.group}/${version}` : `/api/${version}`;
  return namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${prefix}/${info.plural}`;
}

/** One paged list (limit/continue) of a kind; a 410 (continue token expired) restarts the list once. */
async function listAll(t: Transport, info: KindInfo, version: string, namespace: string | undefined, chunk: number): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let restarted = false;
  const apiVersion = info.group ? `${info.group}/${version}` : version;
  for (;;) {
    const q = new URLSearchParams({limit: String(chunk)});
    if (cont) q.set('continue', cont);
    if (info.labelSelector) q.set('labelSelector', info.labelSelector);
    const accept = info.metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' : 'application/json';
    let page: {items?: Record<string, unknown>[]; metadata?: {continue?: string}};
    try {
      page = (await requestJson(t, `${listPath(info, version, namespace)}?${q}`, accept)) as typeof page;
    } catch (e) {
      if (e instanceof HttpError && e.status === 410 && cont && !restarted) {
        restarted = true;
        items.length = 0;
        cont = undefined;
        continue;
      }
      throw e;
    }
    for (const it of page.items ?? []) {
      // List items omit apiVersion/kind; metadata-only lists carry meta.k8s.io's.
      const {managedFields: _mf, ...metadata} = (it.metadata ?? {}) as Record<string, unknown>;
      items.push({...it, metadata, apiVersion, kind: info.kind} as unknown as KubeObject);
    }
    cont = page.metadata?.continue || undefined;
    if (!cont) return items;
  }
}

function describeError(e: unknown): {cause: UnreadKind['cause']; reason: string; network: boolean} {
  if (e instanceof HttpError) {
    if (e.status === 403) return {cause: 'forbidden', reason: 'forbidden', network: false};
    if (e.status === 401) return {cause: 'error', reason: 'unauthorized (401): credentials rejected', network: true};
    return {cause: 'error', reason: `${e.status} ${e.message}`, network: false};
  }
  return {cause: 'error', reason: (e as Error).message, network: true};
}

async function readContext(t: Transport, opts: LiveOptions): Promise<ContextInput> {
  const chunk = opts.chunkSize ?? 500;
  const groups = await discoverGroups(t);
  const objects: Partial<Record<KindKey, KubeObject[]>> = {};
  const unread: UnreadKind[] = [];
  const notInstalled: KindKey[] = [];
  await Promise.all(
    KINDS.map(async (info) => {
      const version = info.group && info.optional ? groups[info.group] : info.versions[0];
      if (!version) {
        notInstalled.push(info.key);
        return;
      }
      try {
        objects[info.key] = await listAll(t, info, version, info.istioNamespaceOnly ? opts.istioNamespace : undefined, chunk);
        opts.onProgress?.(`${t.context}: read ${info.plural}`);
      } catch (e) {
        if (e instanceof HttpError && e.status === 404 && info.optional) {
          notInstalled.push(info.key);
          return;
        }
        const d = describeError(e);
        unread.push({kind: info.key, cause: d.cause, reason: d.reason});
      }
    }),
  );
  return {name: t.context, istioNamespace: opts.istioNamespace, objects, unread, notInstalled};
}

/**
 * Read every kind of every context in parallel. A context that cannot be reached at all is
 * reported in `unreachable`; the others are still returned.
 */
export async function readLive(opts: LiveOptions): Promise<LiveResult> {
  const {kc, names} = await resolveContexts(opts.kubeconfig, opts.contexts);
  const unreachable: {context: string; reason: string}[] = [];
  const notes: string[] = [];
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        const t = await transportFor(kc, name, opts.requestTimeoutMs);
        return await readContext(t, opts);
      } catch (e) {
        const reason = e instanceof UserError || e instanceof HttpError ? e.message : describeError(e).reason;
        unreachable.push({context: name, reason});
        return undefined;
      }
    }),
  );
  const contexts = results.filter((c): c is ContextInput => c !== undefined);
  for (const c of contexts) {
    // If nothing at all could be read, the context is as good as unreachable.
    const all = c.unread ?? [];
    if (all.length > 0 && all.every((u) => u.cause === 'error') && all.length === KINDS.length - (c.notInstalled?.length ?? 0)) {
      unreachable.push({context: c.name, reason: all[0]!.reason});
    }
  }
  for (const u of unreachable) notes.push(`context ${u.context} could not be read: ${u.reason}`);
  return {contexts: contexts.filter((c) => !unreachable.some((u) => u.context === c.name)), unreachable, notes};
}
