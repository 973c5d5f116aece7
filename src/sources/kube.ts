import type {RequestOptions} from 'node:https';
import {KIND_BY_KEY, KINDS, type KindInfo, type KindKey} from '../model/kinds.js';
import type {ContextInput, UnreadKind} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {UserError} from './errors.js';
import {oneLine} from '../render/text.js';
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

/** A 410 Gone (continue token expired by an etcd compaction) restarts the list from the top this many times. */
export const LIST_RESTARTS = 3;

interface GroupVersions {
  /**
   * group → the version to read (first preferred one served), undefined if the group is absent,
   * or the error that kept it from being discovered (its kinds are then unread).
   */
  readonly [group: string]: string | undefined | {error: unknown};
}

async function discoverGroups(t: Transport): Promise<GroupVersions> {
  const groups = [...new Set(KINDS.filter((k) => k.group && k.optional).map((k) => k.group))];
  const out: Record<string, string | undefined | {error: unknown}> = {};
  await Promise.all(
    groups.map(async (g) => {
      try {
        const doc = (await requestJson(t, `/apis/${g}`)) as {versions?: unknown};
        const versions = Array.isArray(doc?.versions) ? (doc.versions as unknown[]) : [];
        const served = new Set(versions.map((v) => (v && typeof v === 'object' ? (v as {version?: unknown}).version : undefined)).filter((v): v is string => typeof v === 'string'));
        const info = KINDS.find((k) => k.group === g)!;
        out[g] = info.versions.find((v) => served.has(v));
      } catch (e) {
        if (e instanceof HttpError && e.status === 404) out[g] = undefined;
        // The server is not there, or will not take our credentials: the context is unreachable.
        else if (!(e instanceof HttpError) || e.status === 401) throw e;
        // Any other answer (403, 5xx after retries): only this group's kinds are unread.
        else out[g] = {error: e};
      }
    }),
  );
  return out;
}

function listPath(info: KindInfo, version: string, namespace?: string): string {
  const prefix = info.group ? `/apis/${info.group}/${version}` : `/api/${version}`;
  return namespace ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${prefix}/${info.plural}`;
}

/** An answer that is not a list: the kind is unread rather than read as empty or half. */
class MalformedList extends Error {}

/**
 * One paged list (limit/continue) of a kind. Every page request is retried on resets and 429/5xx
 * (requestJson); a 410 (continue token expired) restarts the list from the top, up to
 * LIST_RESTARTS times. Either the whole list is returned or an error is thrown: never part of it.
 */
async function listAll(t: Transport, info: KindInfo, version: string, namespace: string | undefined, chunk: number): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let restarts = 0;
  const apiVersion = info.group ? `${info.group}/${version}` : version;
  for (;;) {
    const q = new URLSearchParams({limit: String(chunk)});
    if (cont) q.set('continue', cont);
    if (info.labelSelector) q.set('labelSelector', info.labelSelector);
    const accept = info.metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' : 'application/json';
    let page: unknown;
    try {
      page = await requestJson(t, `${listPath(info, version, namespace)}?${q}`, accept);
    } catch (e) {
      if (e instanceof HttpError && e.status === 410 && cont) {
        if (restarts >= LIST_RESTARTS) {
          throw new HttpError(410, `the list kept expiring (410 Gone: continue token too old) after ${restarts} restarts from the top`);
        }
        restarts++;
        items.length = 0;
        cont = undefined;
        continue;
      }
      throw e;
    }
    const p = page as {items?: unknown; metadata?: {continue?: unknown}} | null;
    if (!p || typeof p !== 'object' || Array.isArray(p) || (p.items !== undefined && p.items !== null && !Array.isArray(p.items))) {
      throw new MalformedList(`the answer to the ${info.plural} list is not a list`);
    }
    for (const it of (p.items as unknown[] | undefined | null) ?? []) {
      const md = it && typeof it === 'object' ? (it as {metadata?: unknown}).metadata : undefined;
      if (!md || typeof md !== 'object' || typeof (md as {name?: unknown}).name !== 'string') {
        throw new MalformedList(`the ${info.plural} list holds an item without metadata.name`);
      }
      // List items omit apiVersion/kind; metadata-only lists carry meta.k8s.io's.
      const {managedFields: _mf, ...metadata} = md as Record<string, unknown>;
      items.push({...(it as object), metadata, apiVersion, kind: info.kind} as unknown as KubeObject);
    }
    const next = p.metadata && typeof p.metadata === 'object' ? p.metadata.continue : undefined;
    cont = typeof next === 'string' && next ? next : undefined;
    if (!cont) return items;
  }
}

function describeError(e: unknown): {cause: UnreadKind['cause']; reason: string; network: boolean} {
  if (e instanceof HttpError) {
    if (e.status === 403) return {cause: 'forbidden', reason: 'forbidden', network: false};
    if (e.status === 401) return {cause: 'error', reason: 'unauthorized (401): credentials rejected', network: true};
    return {cause: 'error', reason: oneLine(`${e.status} ${e.message}`), network: false};
  }
  return {cause: 'error', reason: oneLine((e as Error).message), network: !(e instanceof MalformedList)};
}

async function readContext(t: Transport, opts: LiveOptions): Promise<ContextInput> {
  const chunk = opts.chunkSize ?? 500;
  const groups = await discoverGroups(t);
  const objects: Partial<Record<KindKey, KubeObject[]>> = {};
  const unread: UnreadKind[] = [];
  const notInstalled: KindKey[] = [];
  await Promise.all(
    KINDS.map(async (info) => {
      const discovered = info.group && info.optional ? groups[info.group] : info.versions[0];
      if (discovered !== undefined && typeof discovered === 'object') {
        const d = describeError(discovered.error);
        unread.push({kind: info.key, cause: d.cause, reason: d.cause === 'forbidden' ? d.reason : `API discovery of ${info.group} failed: ${d.reason}`});
        return;
      }
      const version = discovered;
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
  // Stable order (the lists finish in any order).
  unread.sort((a, b) => KINDS.findIndex((k) => k.key === a.kind) - KINDS.findIndex((k) => k.key === b.kind));
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
        const reason = e instanceof UserError || e instanceof HttpError ? oneLine(e.message) : describeError(e).reason;
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
  for (const c of contexts) {
    if (unreachable.some((u) => u.context === c.name)) continue;
    // Forbidden kinds are listed in `skipped` by the checks that need them; failures are said here too.
    for (const u of c.unread ?? []) {
      if (u.cause === 'error') notes.push(`context ${c.name}: ${KIND_BY_KEY.get(u.kind)?.plural ?? u.kind} not read (${u.reason}); the checks that need them are skipped`);
    }
  }
  return {contexts: contexts.filter((c) => !unreachable.some((u) => u.context === c.name)), unreachable, notes};
}
