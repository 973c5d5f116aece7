import {createReadStream, promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {parse as parseYaml} from 'yaml';
import type {KindKey} from '../model/kinds.js';
import type {ContextInput, EnvoyDumpRef, UnreadKind} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {UserError} from './errors.js';
import {formatProblem, parseManifests} from './manifests.js';

export const BUNDLE_META = 'bundle.yaml';
export const DEFAULT_CONTEXT = 'default';

/** bundle.yaml, written by `collect`. Every field is optional for hand-made bundles. */
export interface BundleMeta {
  apiVersion?: string;
  kind?: string;
  createdAt?: string;
  tool?: {name?: string; version?: string};
  /** `folder` is the context's folder when its name is not a safe folder name (e.g. EKS ARNs). */
  contexts?: {name: string; folder?: string; istioNamespace?: string; unread?: UnreadKind[]; notInstalled?: KindKey[]}[];
  notes?: string[];
}

export interface LoadedBundle {
  readonly contexts: ContextInput[];
  readonly notes: string[];
  readonly meta?: BundleMeta;
  /** Removes the temporary directory of an extracted archive. */
  cleanup(): Promise<void>;
}

/** Limits for reading untrusted bundles. */
export const BUNDLE_LIMITS = {
  maxFiles: 20_000,
  maxManifestBytes: 64 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxDepth: 12,
} as const;

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

async function walk(dir: string, depth: number, out: string[], counter: {n: number}): Promise<void> {
  if (depth > BUNDLE_LIMITS.maxDepth) throw new UserError(`bundle: directory nesting deeper than ${BUNDLE_LIMITS.maxDepth} levels at ${dir}`);
  const entries = await fs.readdir(dir, {withFileTypes: true});
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, depth + 1, out, counter);
    else if (e.isFile()) {
      if (++counter.n > BUNDLE_LIMITS.maxFiles) throw new UserError(`bundle: more than ${BUNDLE_LIMITS.maxFiles} files (limit hit); is this the right path?`);
      out.push(p);
    }
    // Symlinks, devices, sockets and FIFOs are never followed or read.
  }
}

async function extractArchive(file: string): Promise<string> {
  const {extract} = await import('./archive.js');
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'kubectl-failover-bundle-'));
  try {
    await extract(file, dir);
  } catch (e) {
    await fs.rm(dir, {recursive: true, force: true});
    throw e;
  }
  // An archive of a bundle usually holds one top folder: step into it.
  const top = await fs.readdir(dir, {withFileTypes: true});
  if (top.length === 1 && top[0]!.isDirectory()) return path.join(dir, top[0]!.name);
  return dir;
}

async function isGzip(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createReadStream(file, {start: 0, end: 1});
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c as Buffer));
    s.on('error', () => resolve(false));
    s.on('end', () => {
      const b = Buffer.concat(chunks);
      resolve(b.length === 2 && b[0] === 0x1f && b[1] === 0x8b);
    });
  });
}

/** Read a bundle (directory or .tar.gz) into one ContextInput per context folder. */
export async function loadBundle(bundlePath: string, opts: {istioNamespace?: string} = {}): Promise<LoadedBundle> {
  let stat;
  try {
    stat = await fs.stat(bundlePath);
  } catch {
    throw new UserError(`bundle ${bundlePath}: no such file or directory`);
  }
  let root = bundlePath;
  let tmpRoot: string | undefined;
  if (stat.isFile()) {
    if (!(await isGzip(bundlePath))) {
      // A single manifest file is a one-context bundle too.
      if (MANIFEST_EXT.test(bundlePath)) return loadFiles([{context: DEFAULT_CONTEXT, files: [bundlePath], root: path.dirname(bundlePath)}], undefined, opts, async () => {});
      throw new UserError(`bundle ${bundlePath}: not a directory, a .tar.gz archive or a YAML/JSON file`);
    }
    root = await extractArchive(bundlePath);
    tmpRoot = root;
  } else if (!stat.isDirectory()) {
    throw new UserError(`bundle ${bundlePath}: not a directory or a .tar.gz archive`);
  }
  const cleanup = async (): Promise<void> => {
    if (tmpRoot) await fs.rm(path.dirname(tmpRoot).startsWith(tmpdir()) ? tmpRoot : tmpRoot, {recursive: true, force: true});
  };

  let meta: BundleMeta | undefined;
  const metaPath = path.join(root, BUNDLE_META);
  try {
    meta = parseYaml(await fs.readFile(metaPath, 'utf8')) as BundleMeta;
  } catch {
    meta = undefined;
  }

  const entries = await fs.readdir(root, {withFileTypes: true});
  const looseFiles = entries.filter((e) => e.isFile() && MANIFEST_EXT.test(e.name) && e.name !== BUNDLE_META);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const groups: {context: string; files: string[]; root: string}[] = [];
  const counter = {n: 0};
  if (looseFiles.length > 0 || dirs.length === 0) {
    // No context folders: the whole tree is one context named `default`.
    const files: string[] = [];
    await walk(root, 0, files, counter);
    groups.push({context: meta?.contexts?.length === 1 ? meta.contexts[0]!.name : DEFAULT_CONTEXT, files: files.filter((f) => path.basename(f) !== BUNDLE_META || path.dirname(f) !== root), root});
  } else {
    for (const d of dirs) {
      const files: string[] = [];
      await walk(path.join(root, d), 1, files, counter);
      const named = meta?.contexts?.find((c) => (c.folder ?? c.name) === d)?.name ?? d;
      groups.push({context: named, files, root: path.join(root, d)});
    }
  }
  return loadFiles(groups, meta, opts, cleanup);
}

async function loadFiles(
  groups: {context: string; files: string[]; root: string}[],
  meta: BundleMeta | undefined,
  opts: {istioNamespace?: string},
  cleanup: () => Promise<void>,
): Promise<LoadedBundle> {
  const notes: string[] = [...(meta?.notes ?? [])];
  const contexts: ContextInput[] = [];
  let total = 0;
  for (const g of groups) {
    const objects: Partial<Record<KindKey, KubeObject[]>> = {};
    const envoy = new Map<string, {namespace: string; pod: string; clusters?: EnvoyDumpRef['clusters']; configDump?: EnvoyDumpRef['configDump']}>();
    let ignored = 0;
    for (const f of g.files) {
      const rel = path.relative(g.root, f).split(path.sep);
      const envoyAt = rel.indexOf('envoy');
      if (envoyAt >= 0 && rel.length - envoyAt === 4) {
        const [, ns, pod, name] = rel.slice(envoyAt) as [string, string, string, string];
        const key = `${ns}/${pod}`;
        const e = envoy.get(key) ?? {namespace: ns, pod};
        if (/^clusters\.json$/i.test(name)) e.clusters = {format: 'json', path: f};
        else if (/^clusters(\.txt)?$/i.test(name) && !e.clusters) e.clusters = {format: 'text', path: f};
        else if (/^config_dump\.json$/i.test(name)) e.configDump = {path: f};
        envoy.set(key, e);
        continue;
      }
      if (!MANIFEST_EXT.test(f) || path.basename(f) === BUNDLE_META) continue;
      const size = (await fs.stat(f)).size;
      if (size > BUNDLE_LIMITS.maxManifestBytes) {
        notes.push(`${f}: skipped, larger than ${BUNDLE_LIMITS.maxManifestBytes / 1024 / 1024} MiB`);
        continue;
      }
      total += size;
      if (total > BUNDLE_LIMITS.maxTotalBytes) throw new UserError(`bundle: manifests larger than ${BUNDLE_LIMITS.maxTotalBytes / 1024 / 1024 / 1024} GiB in all (limit hit)`);
      const text = await fs.readFile(f, 'utf8');
      const parsed = parseManifests(text, path.relative(path.dirname(g.root), f));
      for (const p of parsed.problems) notes.push(formatProblem(p));
      ignored += parsed.ignored;
      for (const {key, obj} of parsed.objects) (objects[key] ??= []).push(obj);
    }
    const m = meta?.contexts?.find((c) => c.name === g.context);
    contexts.push({
      name: g.context,
      istioNamespace: opts.istioNamespace ?? m?.istioNamespace ?? 'istio-system',
      objects: dedupe(objects),
      unread: m?.unread ?? [],
      notInstalled: m?.notInstalled ?? [],
      envoy: [...envoy.values()].filter((e) => e.clusters || e.configDump),
    });
  }
  return {contexts, notes, ...(meta ? {meta} : {}), cleanup};
}

/** The same object listed twice (two files, or v1 and v1beta1 of one CRD): keep the first. */
function dedupe(objects: Partial<Record<KindKey, KubeObject[]>>): Partial<Record<KindKey, KubeObject[]>> {
  const out: Partial<Record<KindKey, KubeObject[]>> = {};
  for (const [k, list] of Object.entries(objects) as [KindKey, KubeObject[]][]) {
    const seen = new Set<string>();
    out[k] = list.filter((o) => {
      const id = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }
  return out;
}
