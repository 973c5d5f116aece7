/**
 * The objects of one simulated context, kept in the version they were written in and keyed as
 * etcd keys them (namespace/name, byte order), so lists come out in the real server's order.
 */
import {createHash} from 'node:crypto';
import {promises as fs} from 'node:fs';
import path from 'node:path';
import {formatProblem, parseManifests} from '../../../src/sources/manifests.js';
import {findResource, qualifiedName, type ResourceDef} from './catalog.js';

export type Obj = Record<string, unknown> & {apiVersion: string; kind: string; metadata: Record<string, unknown> & {name: string; namespace?: string}};

const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const BUNDLE_META = 'bundle.yaml';

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  /** qualified resource name → key → object. */
  private readonly data = new Map<string, Map<string, Obj>>();
  /** qualified resource name → keys in byte order (dropped when a key is added). */
  private readonly sorted = new Map<string, string[]>();
  /** The cluster's current resourceVersion (etcd revision). */
  revision = 1000;

  constructor(
    private readonly resources: readonly ResourceDef[],
    private readonly context: string,
    private readonly fillMetadata: boolean,
    private readonly createdAt: string,
  ) {}

  /** The resource an object belongs to, by its group and kind. */
  resourceOf(apiVersion: string, kind: string): ResourceDef | undefined {
    const group = groupOf(apiVersion);
    return this.resources.find((r) => r.group === group && r.kind === kind);
  }

  /** Add an object; throws a clear error for kinds the simulator does not serve. */
  add(raw: object, origin: string): void {
    const o = raw as Partial<Obj>;
    const meta = o.metadata as Obj['metadata'] | undefined;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !meta || typeof meta.name !== 'string') {
      throw new Error(`simulated cluster ${this.context}: ${origin}: not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
    }
    const def = this.resourceOf(o.apiVersion, o.kind);
    if (!def) throw new Error(`simulated cluster ${this.context}: ${origin}: ${o.apiVersion} ${o.kind} is not a resource the simulator serves (see test/support/sim/catalog.ts)`);
    const obj = structuredClone(o) as Obj;
    if (def.namespaced) obj.metadata.namespace ??= 'default';
    else delete obj.metadata.namespace;
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const bucket = this.bucket(def);
    // The same object twice (two files, or two versions of one CRD): the first wins, as in bundles.
    if (bucket.has(key)) return;
    this.sorted.delete(qualifiedName(def));
    const rv = Number(obj.metadata.resourceVersion);
    if (Number.isSafeInteger(rv) && rv > this.revision) this.revision = rv;
    bucket.set(key, obj);
  }

  /** Give every object what a real server always sets: uid, resourceVersion, creationTimestamp. */
  finish(): void {
    if (!this.fillMetadata) return;
    for (const [res, bucket] of this.data) {
      for (const obj of bucket.values()) {
        const m = obj.metadata;
        m.uid ??= uidFor(`${this.context}/${res}/${m.namespace ?? ''}/${m.name}`);
        m.resourceVersion ??= String(++this.revision);
        m.creationTimestamp ??= this.createdAt;
      }
    }
  }

  private bucket(def: ResourceDef): Map<string, Obj> {
    const q = qualifiedName(def);
    let b = this.data.get(q);
    if (!b) this.data.set(q, (b = new Map()));
    return b;
  }

  /** Objects of a resource, in key order; only one namespace's when given. */
  list(def: ResourceDef, namespace?: string): Obj[] {
    return [...this.scan(def, namespace)].map((e) => e.obj);
  }

  /**
   * Walk a resource's objects in key order from `start` (inclusive), within one namespace when
   * given, with how many keys are left after each one (what remainingItemCount reports).
   */
  *scan(def: ResourceDef, namespace?: string, start = ''): Generator<{key: string; obj: Obj; remaining: number}> {
    const q = qualifiedName(def);
    const b = this.data.get(q);
    if (!b) return;
    let keys = this.sorted.get(q);
    if (!keys) this.sorted.set(q, (keys = [...b.keys()].sort((a, c) => (a < c ? -1 : a > c ? 1 : 0))));
    const prefix = namespace !== undefined && def.namespaced ? `${namespace}/` : '';
    const end = prefix ? lowerBound(keys, `${prefix.slice(0, -1)}0`) : keys.length; // '0' follows '/'
    for (let i = lowerBound(keys, start > prefix ? start : prefix); i < end; i++) {
      yield {key: keys[i]!, obj: b.get(keys[i]!)!, remaining: end - i - 1};
    }
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): Obj | undefined {
    return this.data.get(qualifiedName(def))?.get(objectKey(def.namespaced ? namespace : undefined, name));
  }

  /** Replace an object (after a patch or update); bumps the revision and the object's resourceVersion. */
  put(def: ResourceDef, obj: Obj): Obj {
    obj.metadata.resourceVersion = String(++this.revision);
    const key = objectKey(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const bucket = this.bucket(def);
    if (!bucket.has(key)) this.sorted.delete(qualifiedName(def));
    bucket.set(key, obj);
    return obj;
  }

  /** API groups that have at least one object. */
  groupsWithObjects(): Set<string> {
    const out = new Set<string>();
    for (const [q, b] of this.data) {
      if (b.size === 0) continue;
      const def = findResource(this.resources, q);
      if (def) out.add(def.group);
    }
    return out;
  }
}

/** First index whose key is >= k (keys sorted in byte order). */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A stable UUID-shaped id from a name (the same object gets the same uid on every run). */
export function uidFor(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Every manifest file under dir (any depth, sorted), skipping Envoy dumps and bundle.yaml; symlinks are not followed. */
async function manifestFiles(dir: string, root: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, {withFileTypes: true});
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await manifestFiles(p, root, out);
    else if (e.isFile() && MANIFEST_EXT.test(e.name)) {
      const rel = path.relative(root, p).split(path.sep);
      const envoyAt = rel.indexOf('envoy');
      if (envoyAt >= 0 && rel.length - envoyAt === 4) continue;
      if (rel.length === 1 && e.name === BUNDLE_META) continue;
      out.push(p);
    }
  }
}

/** Parse a bundle folder with the project's parser; a malformed file is an error (fix the fixture). */
export async function readBundleDir(dir: string): Promise<{file: string; obj: object}[]> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new Error(`simulated cluster: bundleDir ${dir}: no such directory`);
  }
  if (!stat.isDirectory()) throw new Error(`simulated cluster: bundleDir ${dir}: not a directory`);
  const files: string[] = [];
  await manifestFiles(dir, dir, files);
  const out: {file: string; obj: object}[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const rel = path.relative(dir, f);
    const parsed = parseManifests(await fs.readFile(f, 'utf8'), rel);
    problems.push(...parsed.problems.map(formatProblem));
    for (const {obj} of parsed.objects) out.push({file: rel, obj});
  }
  if (problems.length) throw new Error(`simulated cluster: bundleDir ${dir}: ${problems.join('; ')}`);
  return out;
}
