/**
 * The route table of resource requests. The server pipeline (server.ts) authenticates, resolves
 * the resource, checks RBAC and the verb, then hands the request to the first route whose verb,
 * subresource and resource match. Later features (watch, create, status…) are added as routes here or
 * passed in `SimOptions.routes`.
 */
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {qualifiedName, type ResourceDef} from './catalog.js';
import type {ContextState} from './context.js';
import {patchRoute} from './patch.js';
import {STREAM_ROUTES} from './streams.js';
import type {Reply} from './reply.js';
import {negotiate, objectList, partialList, replyObject, table, type ListMeta} from './representation.js';
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js';
import {badRequest, notAcceptable, notFound} from './status.js';
import {objectKey, type Obj} from './store.js';
import type {KubeVerb, SimRequest} from './types.js';

/** What k8s.io/apiserver's RequestInfoFactory makes of a path under /api or /apis. */
export interface RequestInfo {
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly resource?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly verb: KubeVerb;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** undefined when the path is not /api/V/… or /apis/G/V/… */
export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    return undefined; // malformed %-escape: nothing serves it
  }
  let group = '';
  if (parts[0] === 'api') parts = parts.slice(1);
  else if (parts[0] === 'apis') {
    if (parts.length < 2) return undefined;
    group = parts[1]!;
    parts = parts.slice(2);
  } else return undefined;
  const version = parts[0];
  if (!version) return undefined;
  parts = parts.slice(1);
  let watchPrefix = false;
  if (parts[0] === 'watch') {
    // The deprecated /api/v1/watch/… form.
    watchPrefix = true;
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  const [resource, name, subresource] = parts;
  const watch = watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: KubeVerb;
  switch (method) {
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = watch ? 'watch' : name ? 'get' : 'list';
  }
  return {group, version, verb, ...(namespace !== undefined ? {namespace} : {}), ...(resource ? {resource} : {}), ...(name ? {name} : {}), ...(subresource ? {subresource} : {})};
}

/** Everything a route needs about one resource request. */
export interface SimCall {
  readonly ctx: ContextState;
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly info: RequestInfo;
  readonly resource: ResourceDef;
  /** `group/version` (or `v1`) the client asked for: objects are served under it. */
  readonly apiVersion: string;
  readonly record: SimRequest;
  readonly reply: Reply;
  /** The request body (read once). */
  body(): Promise<Buffer>;
  /** Milliseconds since the epoch, for ages. */
  readonly now: number;
}

/** An upgrade (WebSocket/SPDY) request on a streaming subresource, after auth and RBAC. */
export interface SimUpgradeCall extends SimCall {
  readonly socket: Duplex;
  readonly head: Buffer;
}

export interface SimRoute {
  readonly verb: KubeVerb;
  /** The subresource served (`exec`, `portforward`, `status`…); undefined = the resource itself. */
  readonly subresource?: string;
  /** Only for this resource (`pods`, `destinationrules.networking.istio.io`); default: every resource. */
  readonly resource?: string;
  /** Plain HTTP request. */
  handle?(call: SimCall): void | Promise<void>;
  /** Upgrade request (the socket is the client's; answer the handshake yourself). */
  upgrade?(call: SimUpgradeCall): void | Promise<void>;
}

export function findRoute(routes: readonly SimRoute[], info: RequestInfo, def: ResourceDef, upgrade: boolean): SimRoute | undefined {
  return routes.find(
    (r) =>
      r.verb === info.verb &&
      (r.subresource ?? '') === (info.subresource ?? '') &&
      (!r.resource || r.resource === qualifiedName(def)) &&
      (upgrade ? r.upgrade !== undefined : r.handle !== undefined),
  );
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

/** Continue tokens as the real server makes them: base64url JSON {v, rv, start key + NUL}. */
export function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000`})).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return 'continue key is not valid: illegal base64 data or malformed JSON';
  }
  const t = parsed as Partial<ContinueToken>;
  if (!t || t.v !== 'meta.k8s.io/v1') return 'continue key is not valid: server does not recognize this encoded key';
  if (typeof t.rv !== 'number' || t.rv <= 0) return 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)';
  if (typeof t.start !== 'string' || t.start === '') return 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)';
  return t as ContinueToken;
}

function listHandler(call: SimCall): void {
  const {ctx, resource: def, url, info, reply} = call;
  const q = url.searchParams;
  const rep = negotiate(call.req.headers.accept, true);
  if (!rep) return reply.status(notAcceptable());
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  if (!labels.ok) return reply.status(badRequest(labels.error));
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined, def.fieldSelectors);
  if (!fields.ok) return reply.status(badRequest(fields.error));

  let rv = ctx.store.revision;
  let start: string | undefined;
  const cont = q.get('continue');
  if (cont) {
    const t = decodeContinue(cont);
    if (typeof t === 'string') return reply.status(badRequest(t));
    rv = t.rv;
    start = t.start;
  }
  const limit = Number(q.get('limit') ?? '0');
  const max = Number.isSafeInteger(limit) && limit > 0 ? limit : Infinity;
  const selected = labels.value.length > 0 || fields.value.length > 0;
  const page: Obj[] = [];
  const meta: ListMeta = {resourceVersion: String(rv)};
  for (const {obj, remaining} of ctx.store.scan(def, info.namespace, start ?? '')) {
    if (!matchesLabels(labels.value, obj.metadata.labels as Record<string, string> | undefined) || !matchesFields(fields.value, obj)) continue;
    if (page.length === max) {
      // One more match exists: the list goes on from the last key returned.
      const last = page[page.length - 1]!;
      meta.continue = encodeContinue(rv, objectKey(last.metadata.namespace, last.metadata.name));
      // Only known when nothing is filtered out (the real server counts keys, not matches).
      if (!selected) meta.remainingItemCount = remaining + 1;
      break;
    }
    page.push(obj);
  }
  if (rep.as === 'object') return reply.json(200, objectList(def, call.apiVersion, page, meta), {yaml: rep.yaml});
  if (rep.as === 'PartialObjectMetadataList') return reply.json(200, partialList(page, rep.version, meta));
  return reply.json(200, table(page, call.apiVersion, rep.version, meta, q.get('includeObject') ?? undefined, call.now));
}

function getHandler(call: SimCall): void {
  const {ctx, resource: def, info, reply} = call;
  const rep = negotiate(call.req.headers.accept, false);
  if (!rep) return reply.status(notAcceptable());
  const obj = ctx.store.get(def, info.namespace, info.name!);
  if (!obj) return reply.status(notFound({group: def.group, resource: def.plural}, info.name!));
  return replyObject(call, obj, rep);
}

export const DEFAULT_ROUTES: readonly SimRoute[] = [
  {verb: 'list', handle: listHandler},
  {verb: 'get', handle: getHandler},
  patchRoute,
  ...STREAM_ROUTES,
];
