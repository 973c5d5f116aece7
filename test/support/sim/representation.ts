/**
 * Content negotiation (Accept) and the shapes a list or object can be returned in: the object
 * itself, PartialObjectMetadata(List), or a Table (what `kubectl get` without -o asks for).
 */
import type {ResourceDef} from './catalog.js';
import type {SimCall} from './routes.js';
import {notAcceptable} from './status.js';
import type {Obj} from './store.js';

export type Representation =
  | {readonly as: 'object'; readonly yaml: boolean}
  | {readonly as: 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'Table'; readonly version: 'v1' | 'v1beta1'};

interface MediaRange {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      return {type: (type ?? '').toLowerCase(), params};
    })
    .filter((m) => m.type && m.params.q !== '0');
}

/**
 * The first media range of Accept the server can produce, in the client's order (what the
 * API server does for the clients in use: they never weight with q). undefined → 406.
 */
export function negotiate(accept: string | undefined, list: boolean): Representation | undefined {
  if (!accept || !accept.trim()) return {as: 'object', yaml: false};
  for (const m of parseAccept(accept)) {
    const json = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    const yaml = m.type === 'application/yaml';
    if (!json && !yaml) continue; // protobuf, CBOR, text/html…
    const as = m.params.as;
    if (!as) return {as: 'object', yaml};
    if (yaml || m.params.g !== 'meta.k8s.io' || (m.params.v !== 'v1' && m.params.v !== 'v1beta1')) continue;
    const version = m.params.v;
    if (as === 'Table') return {as: 'Table', version};
    if (as === 'PartialObjectMetadataList' && list) return {as, version};
    if (as === 'PartialObjectMetadata' && !list) return {as, version};
  }
  return undefined;
}

/** The object as served under `apiVersion` (CRDs with several versions serve each, same schema). */
export function present(obj: Obj, apiVersion: string): Obj {
  return obj.apiVersion === apiVersion ? obj : {...obj, apiVersion};
}

export function partialObject(obj: Obj, version: string): Record<string, unknown> {
  return {kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata};
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A typed list: built-in items lose apiVersion/kind (as the real server encodes them), CRD items keep them. */
export function objectList(def: ResourceDef, apiVersion: string, items: readonly Obj[], meta: ListMeta): Record<string, unknown> {
  const kind = `${def.kind}List`;
  // Unstructured (CRD) lists are encoded with sorted keys; typed lists in struct order.
  if (def.crd) return {apiVersion, items: items.map((o) => present(o, apiVersion)), kind, metadata: meta};
  return {
    kind,
    apiVersion,
    metadata: meta,
    items: items.map((o) => {
      const {apiVersion: _a, kind: _k, ...rest} = o;
      return rest;
    }),
  };
}

export function partialList(items: readonly Obj[], version: string, meta: ListMeta): Record<string, unknown> {
  return {kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${version}`, metadata: meta, items: items.map((o) => partialObject(o, version))};
}

/** A Table with the columns a CRD without printer columns gets: Name and Age. */
export function table(items: readonly Obj[], apiVersion: string, version: string, meta: ListMeta | {resourceVersion: string}, includeObject: string | undefined, now: number): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: meta,
    columnDefinitions: [
      {name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0},
      {name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0},
    ],
    rows: items.map((o) => {
      const created = typeof o.metadata.creationTimestamp === 'string' ? Date.parse(o.metadata.creationTimestamp) : NaN;
      const row: Record<string, unknown> = {cells: [o.metadata.name, Number.isNaN(created) ? '<unknown>' : humanDuration(now - created)]};
      if (includeObject === 'Object') row.object = present(o, apiVersion);
      else if (includeObject !== 'None') row.object = partialObject(o, version);
      return row;
    }),
  };
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** Answer with one object in the negotiated representation. */
export function replyObject(call: SimCall, obj: Obj, rep = negotiate(call.req.headers.accept, false)): void {
  if (!rep) return call.reply.status(notAcceptable());
  if (rep.as === 'object') return call.reply.json(200, present(obj, call.apiVersion), {yaml: rep.yaml});
  if (rep.as === 'PartialObjectMetadata') return call.reply.json(200, partialObject(obj, rep.version));
  return call.reply.json(200, table([obj], call.apiVersion, rep.version, {resourceVersion: String(obj.metadata.resourceVersion ?? '')}, call.url.searchParams.get('includeObject') ?? undefined, call.now));
}
