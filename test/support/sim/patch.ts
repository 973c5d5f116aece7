/**
 * PATCH of a resource: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and for built-in
 * kinds a strategic merge patch (lists merged by the usual merge keys; CRDs answer 415 as the real
 * server does). `dryRun=All` computes and answers without storing. Server-side apply is not
 * simulated (415).
 */
import {isDeepStrictEqual} from 'node:util';
import {replyObject} from './representation.js';
import type {SimCall, SimRoute} from './routes.js';
import {badRequest, conflict, generic, notFound, unsupportedMediaType} from './status.js';
import type {Obj} from './store.js';

export type Json = null | boolean | number | string | Json[] | {[k: string]: Json};
type JsonObject = {[k: string]: Json};

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? {...target} : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** The patch applies to nothing (422, as the server answers a JSON patch that does not apply). */
class PatchError extends Error {}
/** The patch itself is malformed (400). */
class PatchDecodeError extends Error {}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map(unescapePointer);
}

function parentOf(doc: Json, tokens: string[], op: string): {parent: JsonObject | Json[]; key: string} {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)] ?? null;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw new PatchError(`doc is missing path: "/${tokens.join('/')}": missing value`);
    if (cur === null) throw new PatchError(`doc is missing path: "/${tokens.join('/')}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}"`);
  return {parent: cur, key: tokens[tokens.length - 1]!};
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(t) && Number(t) < cur.length) cur = cur[Number(t)]!;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const {parent, key} = parentOf(doc, tokens, 'remove');
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw new PatchError(`remove operation does not apply: doc is missing path: "${path}"`);
    return parent.splice(i, 1)[0]!;
  }
  if (!(key in parent)) throw new PatchError(`remove operation does not apply: doc is missing path: "${path}"`);
  const v = parent[key]!;
  delete parent[key];
  return v;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const {parent, key} = parentOf(doc, tokens, replace ? 'replace' : 'add');
  const v = structuredClone(value);
  if (Array.isArray(parent)) {
    if (key === '-' && !replace) parent.push(v);
    else {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i > parent.length || (replace && i >= parent.length)) throw new PatchError(`${replace ? 'replace' : 'add'} operation does not apply: doc is missing path: "${path}"`);
      if (replace) parent[i] = v;
      else parent.splice(i, 0, v);
    }
  } else {
    if (replace && !(key in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}`);
    parent[key] = v;
  }
  return doc;
}

/** RFC 6902. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchDecodeError('json: cannot unmarshal into Go value of type jsonpatch.Operation');
  }
  let doc = structuredClone(target);
  for (const raw of ops as JsonObject[]) {
    const {op, path} = raw as {op: string; path: string};
    switch (op) {
      case 'add':
        doc = addAt(doc, path, (raw.value ?? null) as Json, false);
        break;
      case 'replace':
        doc = addAt(doc, path, (raw.value ?? null) as Json, true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move': {
        const v = removeAt(doc, String(raw.from));
        doc = addAt(doc, path, v, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, getAt(doc, String(raw.from)), false);
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(doc, path), raw.value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

/** Merge keys of the built-in types' lists (patchMergeKey), by field name. */
const MERGE_KEYS: Record<string, string | ((item: JsonObject) => string)> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  // Container ports merge on containerPort, Service ports on port.
  ports: (item) => ('containerPort' in item ? 'containerPort' : 'port'),
};
/** Lists of scalars merged as sets. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

/** A strategic merge patch for the common built-in fields; directives other than `$patch` are dropped. */
export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const {$patch: _p, ...rest} = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(target) ? {...target} : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    const key = MERGE_KEYS[k];
    if (Array.isArray(v) && Array.isArray(cur) && key) {
      const result = [...cur];
      for (const item of v) {
        if (!isObject(item)) continue;
        const mk = typeof key === 'string' ? key : key(item);
        const idx = result.findIndex((x) => isObject(x) && x[mk] === item[mk]);
        if (item.$patch === 'delete') {
          if (idx >= 0) result.splice(idx, 1);
        } else if (idx >= 0) result[idx] = strategicMergePatch(result[idx]!, item);
        else result.push(strategicMergePatch(null, item));
      }
      out[k] = result;
    } else if (Array.isArray(v) && Array.isArray(cur) && MERGED_SCALAR_LISTS.has(k)) {
      out[k] = [...cur, ...v.filter((x) => !cur.some((c) => isDeepStrictEqual(c, x)))];
    } else {
      out[k] = strategicMergePatch(cur ?? null, v);
    }
  }
  return out;
}

async function patchHandler(call: SimCall): Promise<void> {
  const {ctx, resource: def, info, reply, url} = call;
  const gr = {group: def.group, resource: def.plural};
  const type = (call.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const accepted = def.crd ? [JSON_PATCH, MERGE, APPLY] : [JSON_PATCH, MERGE, STRATEGIC, APPLY];
  if (!accepted.includes(type) || type === APPLY) return reply.status(unsupportedMediaType(accepted));
  const current = ctx.store.get(def, info.namespace, info.name!);
  if (!current) return reply.status(notFound(gr, info.name!));
  const dryRun = url.searchParams.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) return reply.status(badRequest(`Invalid value: ${JSON.stringify(dryRun)}: supported values: "All"`));

  let body: unknown;
  try {
    body = JSON.parse((await call.body()).toString('utf8'));
  } catch (e) {
    return reply.status(badRequest(`error decoding patch: ${(e as Error).message}`));
  }
  // A deep copy: the patch functions share untouched subtrees with their input.
  const served = {...structuredClone(current), apiVersion: call.apiVersion} as unknown as Json;
  let result: Json;
  try {
    if (type === MERGE) result = mergePatch(served, body as Json);
    else if (type === JSON_PATCH) result = jsonPatch(served, body);
    else result = strategicMergePatch(served, body as Json);
  } catch (e) {
    if (e instanceof PatchDecodeError) return reply.status(badRequest(e.message));
    // The server drops the reason (NewGenericServerResponse): kubectl prints "The request is invalid".
    if (e instanceof PatchError) return reply.status(generic(422));
    throw e;
  }
  if (!isObject(result) || !isObject(result.metadata)) return reply.status(badRequest('the patched object is not a Kubernetes object'));
  const meta = result.metadata;
  if (meta.name !== info.name) return reply.status(badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${info.name})`));
  if (def.namespaced && meta.namespace !== info.namespace) return reply.status(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
  if (result.kind !== current.kind || result.apiVersion !== call.apiVersion) return reply.status(badRequest(`the kind or apiVersion of the object cannot be changed by a patch`));
  // Optimistic concurrency: a patch that names a resourceVersion must name the current one.
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== current.metadata.resourceVersion) {
    return reply.status(conflict(gr, info.name!, 'the object has been modified; please apply your changes to the latest version and try again'));
  }
  // What the server owns cannot be patched away.
  for (const k of ['uid', 'creationTimestamp', 'resourceVersion', 'generation'] as const) {
    if (current.metadata[k] !== undefined) meta[k] = current.metadata[k] as Json;
    else delete meta[k];
  }
  const next = {...result, apiVersion: current.apiVersion} as unknown as Obj;
  if (isDeepStrictEqual(next, current)) return replyObject(call, current);
  if (!isDeepStrictEqual(next.spec, current.spec)) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
  if (call.record.dryRun) return replyObject(call, next);
  return replyObject(call, ctx.store.put(def, next));
}

export const patchRoute: SimRoute = {verb: 'patch', handle: patchHandler};
