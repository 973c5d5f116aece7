import {createReadStream, existsSync, lstatSync, promises as fs, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir, totalmem} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Worker} from 'node:worker_threads';
import {parse as parseYaml} from 'yaml';
import type {KindKey} from '../model/kinds.js';
import type {ContextInput, EnvoyDumpRef, UnreadKind} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {UserError} from './errors.js';
import {oneLine} from '../render/text.js';
import {formatProblem, jsonManifests, parseManifests, type ParsedManifests} from './manifests.js';
import {compareText} from '../model/collate.js';

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
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch (e) {
    throw new UserError(oneLine(`bundle: cannot read the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
  }
  entries.sort((a, b) => compareText(a.name, b.name));
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

async function extractArchive(file: string): Promise<{root: string; tmp: string; refused: readonly string[]}> {
  const {extract, removeTree} = await import('./archive.js');
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'kubectl-failover-bundle-'));
  let refused: readonly string[];
  try {
    refused = (await extract(file, dir)).refused;
  } catch (e) {
    await removeTree(dir);
    throw e;
  }
  // An archive of a bundle usually holds one top folder: step into it.
  const top = await fs.readdir(dir, {withFileTypes: true});
  if (top.length === 1 && top[0]!.isDirectory()) return {root: path.join(dir, top[0]!.name), tmp: dir, refused};
  return {root: dir, tmp: dir, refused};
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
  const archiveNotes: string[] = [];
  if (stat.isFile()) {
    if (!(await isGzip(bundlePath))) {
      // A single manifest file is a one-context bundle too.
      if (MANIFEST_EXT.test(bundlePath)) return loadFiles([{context: DEFAULT_CONTEXT, files: [bundlePath], root: path.dirname(bundlePath)}], undefined, opts, async () => {});
      throw new UserError(`bundle ${bundlePath}: not a directory, a .tar.gz archive or a YAML/JSON file`);
    }
    const x = await extractArchive(bundlePath);
    root = x.root;
    tmpRoot = x.tmp;
    if (x.refused.length) archiveNotes.push(`bundle ${bundlePath}: ${x.refused.length} archive entries refused and not read (links, devices or paths outside the bundle): ${x.refused.slice(0, 5).join(', ')}${x.refused.length > 5 ? ', …' : ''}`);
  } else if (!stat.isDirectory()) {
    throw new UserError(`bundle ${bundlePath}: not a directory or a .tar.gz archive`);
  }
  // A safety net: the extracted copy goes away when the process ends, even on a path that never
  // calls cleanup (an error after loading, an early exit).
  const onExit = (): void => {
    if (tmpRoot) rmSync(tmpRoot, {recursive: true, force: true});
  };
  if (tmpRoot) process.once('exit', onExit);
  const cleanup = async (): Promise<void> => {
    if (!tmpRoot) return;
    await fs.rm(tmpRoot, {recursive: true, force: true, maxRetries: 10, retryDelay: 50});
    process.off('exit', onExit);
  };
  try {
    return await readTree(root, archiveNotes, opts, cleanup);
  } catch (e) {
    // Nothing of an extracted archive outlives a failed read.
    await cleanup();
    throw e;
  }
}

/** bundle.yaml is untrusted too: keep only well-formed fields. */
function validMeta(raw: unknown): BundleMeta | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const out: BundleMeta = {};
  if (str(m.apiVersion)) out.apiVersion = str(m.apiVersion);
  if (str(m.kind)) out.kind = str(m.kind);
  if (str(m.createdAt)) out.createdAt = str(m.createdAt);
  if (m.tool && typeof m.tool === 'object' && !Array.isArray(m.tool)) out.tool = {name: str((m.tool as Record<string, unknown>).name), version: str((m.tool as Record<string, unknown>).version)};
  if (Array.isArray(m.notes)) out.notes = m.notes.filter((n): n is string => typeof n === 'string').map((n) => oneLine(n));
  if (Array.isArray(m.contexts)) {
    out.contexts = [];
    for (const c of m.contexts as unknown[]) {
      if (!c || typeof c !== 'object' || typeof (c as {name?: unknown}).name !== 'string') continue;
      const cc = c as Record<string, unknown>;
      const unread = Array.isArray(cc.unread)
        ? (cc.unread as unknown[]).filter((u): u is UnreadKind => !!u && typeof u === 'object' && typeof (u as UnreadKind).kind === 'string' && typeof (u as UnreadKind).reason === 'string').map((u) => ({kind: u.kind, cause: u.cause === 'forbidden' ? ('forbidden' as const) : ('error' as const), reason: oneLine(u.reason)}))
        : undefined;
      const notInstalled = Array.isArray(cc.notInstalled) ? (cc.notInstalled as unknown[]).filter((k): k is KindKey => typeof k === 'string') : undefined;
      out.contexts.push({name: cc.name as string, ...(str(cc.folder) ? {folder: str(cc.folder)} : {}), ...(str(cc.istioNamespace) ? {istioNamespace: str(cc.istioNamespace)} : {}), ...(unread ? {unread} : {}), ...(notInstalled ? {notInstalled} : {})});
    }
  }
  return out;
}

async function readTree(root: string, archiveNotes: string[], opts: {istioNamespace?: string}, cleanup: () => Promise<void>): Promise<LoadedBundle> {
  let meta: BundleMeta | undefined;
  const metaPath = path.join(root, BUNDLE_META);
  try {
    const st = lstatSync(metaPath);
    if (st.isFile() && st.size <= 1024 * 1024) meta = validMeta(parseYaml(readFileSync(metaPath, 'utf8'), {maxAliasCount: 100}));
  } catch {
    meta = undefined;
  }

  const entries = readdirSync(root, {withFileTypes: true});
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
  for (const g of groups) {
    // A context name is printed and passed to --context: no control characters.
    const clean = g.context.replace(CONTROL_CHARS, '_');
    if (clean !== g.context) {
      archiveNotes.push(`bundle: context name ${JSON.stringify(g.context)} holds control characters; read as ${JSON.stringify(clean)}`);
      g.context = clean;
    }
  }
  const loaded = await loadFiles(groups, meta, opts, cleanup);
  return {...loaded, notes: [...archiveNotes, ...loaded.notes]};
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_CONTROL = new RegExp(CONTROL_CHARS.source);

async function loadFiles(
  groups: {context: string; files: string[]; root: string}[],
  meta: BundleMeta | undefined,
  opts: {istioNamespace?: string},
  cleanup: () => Promise<void>,
): Promise<LoadedBundle> {
  const notes: string[] = [...(meta?.notes ?? [])];
  const contexts: ContextInput[] = [];
  let total = 0;
  // Closed on every way out (an exception leaves an unref'd worker that does not hold the process).
  const parser = new ManifestParser();
  for (const g of groups) {
    const objects: Partial<Record<KindKey, KubeObject[]>> = {};
    const envoy = new Map<string, {namespace: string; pod: string; clusters?: EnvoyDumpRef['clusters']; configDump?: EnvoyDumpRef['configDump']}>();
    let ignored = 0;
    let badNames = 0;
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
      // Synchronous reads (issue #5): files are read one after the other and parsed synchronously
      // anyway, and fs.promises costs a thread-pool round trip per step (open, stat, read, close):
      // two thirds of reading a small bundle.
      let size: number;
      try {
        size = statSync(f).size;
      } catch (e) {
        notes.push(oneLine(`${path.relative(path.dirname(g.root), f)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
        continue;
      }
      if (size > BUNDLE_LIMITS.maxManifestBytes) {
        notes.push(oneLine(`${path.relative(path.dirname(g.root), f)}: skipped, larger than ${BUNDLE_LIMITS.maxManifestBytes / 1024 / 1024} MiB (limit hit)`));
        continue;
      }
      total += size;
      if (total > BUNDLE_LIMITS.maxTotalBytes) {
        parser.close();
        throw new UserError(`bundle: manifests larger than ${BUNDLE_LIMITS.maxTotalBytes / 1024 / 1024 / 1024} GiB in all (limit hit)`);
      }
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        notes.push(oneLine(`${path.relative(path.dirname(g.root), f)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
        continue;
      }
      const parsed = await parser.parse(text, path.relative(path.dirname(g.root), f));
      for (const p of parsed.problems) notes.push(oneLine(formatProblem(p)));
      ignored += parsed.ignored;
      for (const {key, obj} of parsed.objects) {
        const ns = (obj.metadata as {namespace?: unknown}).namespace;
        if (HAS_CONTROL.test(obj.metadata.name) || (ns !== undefined && (typeof ns !== 'string' || HAS_CONTROL.test(ns)))) {
          badNames++;
          continue;
        }
        (objects[key] ??= []).push(obj);
      }
    }
    if (badNames) notes.push(`${oneLine(g.context)}: ${badNames} object(s) skipped: a name or namespace holds control characters, which no Kubernetes API server accepts`);
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
  parser.close();
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

/**
 * Untrusted YAML is parsed in a worker thread with a memory and a time limit when it is large: the
 * YAML parser needs up to ~500 bytes of heap per input byte and reads ~0.5–2 MiB/s on hostile
 * input (dense errors, deep block nesting), so a 64 MiB file could otherwise exhaust memory or
 * take minutes. A file over a limit is not read, with a note naming the limit.
 */
export const YAML_SANDBOX = {
  /**
   * Smaller files are parsed in process. Kept low: a super-linear corner of a YAML parser (the
   * fuzzer found one: a quadratic regex on long runs of blanks) then costs seconds, not minutes.
   */
  thresholdBytes: 64 * 1024,
  /** Enough for a 64 MiB manifest of ordinary YAML (≈30 bytes of heap per byte). */
  maxHeapMb: Math.max(512, Math.min(2048, Math.floor(totalmem() / 1024 / 1024 / 4))),
  minMs: 30_000,
  msPerMiB: 5_000,
};

const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads');
Error.stackTraceLimit = 0;
import(workerData.module).then(({parseManifests}) => {
  parentPort.on('message', ({text, file}) => {
    let r;
    try { r = {ok: parseManifests(text, file)}; } catch (e) { r = {error: String((e && e.message) || e)}; }
    parentPort.postMessage(r);
  });
  parentPort.postMessage({ready: true});
}, (e) => parentPort.postMessage({ready: false, error: String((e && e.message) || e)}));
`;

/** The compiled manifests module a worker can import (absent when running from TypeScript sources without a build). */
function manifestsModule(): string | undefined {
  const here = new URL('./manifests.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here.href;
  const built = new URL('../../dist/sources/manifests.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built.href : undefined;
}

export class ManifestParser {
  private worker: Worker | undefined;
  private unavailable = false;

  async parse(text: string, file: string): Promise<ParsedManifests> {
    if (text.length < YAML_SANDBOX.thresholdBytes || this.unavailable) return parseManifests(text, file);
    // JSON is parsed in process: JSON.parse is fast and needs little memory (the YAML path is the risk).
    const json = jsonManifests(text, file);
    if (json) return json;
    const w = await this.start();
    if (!w) return parseManifests(text, file);
    const limitMs = YAML_SANDBOX.minMs + Math.ceil(text.length / 2 ** 20) * YAML_SANDBOX.msPerMiB;
    const notRead = (why: string): ParsedManifests => ({objects: [], problems: [{file, message: `not read: ${why} (limit hit)`}], ignored: 0});
    return new Promise<ParsedManifests>((resolve) => {
      const done = (r: ParsedManifests, restart: boolean): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        if (restart) {
          void w.terminate();
          this.worker = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: {ok?: ParsedManifests; error?: string}): void => done(m.ok ?? notRead(m.error ?? 'the parser failed'), false);
      const onError = (e: Error & {code?: string}): void =>
        done(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? notRead(`parsing it needed more than ${YAML_SANDBOX.maxHeapMb} MiB of memory`) : notRead(oneLine(e.message)), true);
      const timer = setTimeout(() => done(notRead(`parsing it took more than ${Math.round(limitMs / 1000)}s`), true), limitMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.postMessage({text, file});
    });
  }

  private async start(): Promise<Worker | undefined> {
    if (this.worker) return this.worker;
    const module = manifestsModule();
    if (!module) {
      this.unavailable = true;
      return undefined;
    }
    const {Worker} = await import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, {eval: true, workerData: {module}, resourceLimits: {maxOldGenerationSizeMb: YAML_SANDBOX.maxHeapMb}, stdout: true, stderr: true});
    w.unref();
    const ok = await new Promise<boolean>((resolve) => {
      w.once('message', (m: {ready?: boolean}) => resolve(!!m.ready));
      w.once('error', () => resolve(false));
    });
    if (!ok) {
      void w.terminate();
      this.unavailable = true;
      return undefined;
    }
    this.worker = w;
    return w;
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
