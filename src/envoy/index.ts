/**
 * Envoy admin output: entry points that read files or streams, and the Istio cluster-name lookups.
 * Everything else in src/envoy is pure.
 */
import {createReadStream, promises as fs} from 'node:fs';
import {parseClustersJson} from './clusters-json.js';
import {parseClustersTextStream, parseClustersText} from './clusters-text.js';
import {parseConfigDump, type ConfigDump} from './config-dump.js';
import {stripBom} from './json.js';
import {scanJsonDump, scanTextDump} from './scan.js';
import {DumpError, type ClusterSelector, type ClustersDump, type EnvoyCluster, type ParseOptions} from './types.js';

export * from './types.js';
export {parseClustersJson, clustersFromJson, addressFrom} from './clusters-json.js';
export {parseClustersText, parseClustersTextStream, MAX_TEXT_LINE_CHARS} from './clusters-text.js';
export {
  parseConfigDump,
  configDumpFromJson,
  clusterConfigFrom,
  edsClusterFrom,
  findClusterConfig,
  findEndpoints,
  clustersFromConfigDump,
  outlierDetectionView,
  durationMs,
  type ConfigDump,
  type ProxyNode,
  type ClusterConfig,
  type CommonLbConfig,
  type IstioClusterMetadata,
  type EdsCluster,
  type EdsEndpoint,
  type OutlierDetectionView,
} from './config-dump.js';
export {flagsFromHealth, healthFromFlags, parseHealthFlagsValue, parseTextAddress, splitIpPort, socketDisplay} from './host.js';

/**
 * V8's longest string is 2^29-24 UTF-16 units (~512 MiB); a JSON file larger than that cannot go
 * through one JSON.parse. Text dumps of any size stream.
 */
export const MAX_JSON_DUMP_BYTES = 2 ** 29 - 24;

const SNIFF_BYTES = 64 * 1024;

export interface LoadOptions extends ParseOptions {
  format?: 'json' | 'text' | 'auto';
}

/** Is this string the dump itself rather than a file path? */
function isDumpText(s: string): boolean {
  const t = stripBom(s).trimStart();
  return t.startsWith('{') || t.startsWith('[') || s.includes('\n') || s.includes('::');
}

/** 'json' when the first non-blank character opens a JSON object or array. */
export function sniffFormat(head: string): 'json' | 'text' {
  const t = stripBom(head).trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'json' : 'text';
}

/**
 * A /clusters dump from a file path or from the dump's own text, JSON or plain text (sniffed unless
 * `format` says). Text files are streamed line by line, so with `cluster` a dump of any size is
 * read in small memory; JSON goes through one JSON.parse (see MAX_JSON_DUMP_BYTES).
 */
export async function loadClustersDump(pathOrText: string, opts: LoadOptions = {}): Promise<ClustersDump> {
  const parseOpts: ParseOptions = opts.cluster === undefined ? {} : {cluster: opts.cluster};
  if (isDumpText(pathOrText)) {
    const format = !opts.format || opts.format === 'auto' ? sniffFormat(pathOrText) : opts.format;
    return format === 'json' ? parseClustersJson(pathOrText, parseOpts) : parseClustersText(pathOrText, parseOpts);
  }
  const file = pathOrText;
  const size = await fileSize(file);
  if (size === 0) throw new DumpError(`${file}: empty file (no /clusters output was captured)`);
  const format = !opts.format || opts.format === 'auto' ? sniffFormat(await readHead(file)) : opts.format;
  if (format === 'text') {
    try {
      return await parseClustersTextStream(createReadStream(file, {highWaterMark: SNIFF_BYTES}), parseOpts);
    } catch (e) {
      throw asDumpError(e, file);
    }
  }
  return parseClustersJson(await readJsonFile(file, size, 'clusters JSON'), parseOpts);
}

/**
 * The clusters named `names` (in the order explain prefers them) from a dump file or text. A file
 * is scanned for just those clusters (src/envoy/scan.ts: streamed, a dump of any size, in about the
 * time it takes to read it); when they are not there, or the file is not what it seems, the whole
 * dump is read with loadClustersDump, which gives every cluster name (for hints) and exact errors.
 */
export async function loadClustersFor(pathOrText: string, names: readonly string[], opts: {format?: 'json' | 'text' | 'auto'} = {}): Promise<ClustersDump> {
  const wanted = new Set(names);
  const full = (): Promise<ClustersDump> => loadClustersDump(pathOrText, {cluster: (n) => wanted.has(n), ...(opts.format ? {format: opts.format} : {})});
  if (isDumpText(pathOrText)) return full();
  const size = await fileSize(pathOrText);
  if (size === 0) return full();
  const format = !opts.format || opts.format === 'auto' ? sniffFormat(await readHead(pathOrText)) : opts.format;
  let found: ClustersDump | undefined;
  try {
    found = format === 'json' ? await scanJsonDump(pathOrText, names) : await scanTextDump(pathOrText, names);
  } catch {
    found = undefined; // unreadable mid-way: the ordinary reader says why
  }
  return found ?? full();
}

/** A /config_dump from a file path or from its text. */
export async function loadConfigDump(pathOrText: string, opts: ParseOptions = {}): Promise<ConfigDump> {
  if (isDumpText(pathOrText)) return parseConfigDump(pathOrText, opts);
  const size = await fileSize(pathOrText);
  if (size === 0) throw new DumpError(`${pathOrText}: empty file (no /config_dump output was captured)`);
  return parseConfigDump(await readJsonFile(pathOrText, size, 'config_dump JSON'), opts);
}

async function fileSize(file: string): Promise<number> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new DumpError(`${file}: not a regular file`);
    return st.size;
  } catch (e) {
    throw asDumpError(e, file);
  }
}

async function readHead(file: string): Promise<string> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, 'r');
    const buf = Buffer.alloc(SNIFF_BYTES);
    const {bytesRead} = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } catch (e) {
    throw asDumpError(e, file);
  } finally {
    await fh?.close();
  }
}

async function readJsonFile(file: string, size: number, what: string): Promise<string> {
  const tooBig = (): DumpError =>
    new DumpError(
      `${what}: ${file} is ${Math.round(size / 2 ** 20)} MiB, more than one JSON.parse can hold; ` +
        'capture /clusters?format=json&filter=<cluster regex>, or the plain-text /clusters (streamed)',
    );
  if (size > MAX_JSON_DUMP_BYTES * 2) throw tooBig(); // even all-multibyte UTF-8 would not fit
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') throw tooBig();
    throw asDumpError(e, file);
  }
}

function asDumpError(e: unknown, file: string): Error {
  if (e instanceof DumpError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : (err.message ?? String(e));
  return new DumpError(`cannot read ${file}: ${why}`);
}

// --- Istio cluster names ---

export type ClusterDirection = 'outbound' | 'inbound' | 'inbound-vip' | 'outbound_';

export interface IstioClusterName {
  direction: ClusterDirection;
  port: number;
  /** The DestinationRule subset ('' for none). For inbound-vip, without the protocol prefix. */
  subset: string;
  /** inbound-vip only: 'http' or 'tcp'. */
  protocol?: string;
  /** The service FQDN. */
  host: string;
}

/**
 * Istio's cluster names (pilot model.BuildSubsetKey): `outbound|PORT|SUBSET|FQDN`,
 * `inbound|PORT|NAME|FQDN`, waypoint `inbound-vip|PORT|http[/SUBSET]|FQDN` (also tcp), and the
 * SNI-DNAT form on east-west gateways `outbound_.PORT_.SUBSET_.FQDN` (`outbound_.8080_._.FQDN` without subset).
 */
export function parseIstioClusterName(name: string): IstioClusterName | undefined {
  const parts = name.split('|');
  if (parts.length === 4) {
    const [dir, portStr, subset, host] = parts as [string, string, string, string];
    if ((dir !== 'outbound' && dir !== 'inbound' && dir !== 'inbound-vip') || !/^\d+$/.test(portStr) || !host) return undefined;
    const out: IstioClusterName = {direction: dir, port: Number(portStr), subset, host};
    if (dir === 'inbound-vip') {
      const slash = subset.indexOf('/');
      out.protocol = slash < 0 ? subset : subset.slice(0, slash);
      out.subset = slash < 0 ? '' : subset.slice(slash + 1);
    }
    return out;
  }
  const sni = /^outbound_\.(\d+)_\.([^.]*)_\.(.+)$/.exec(name);
  if (sni) return {direction: 'outbound_', port: Number(sni[1]), subset: sni[2]!, host: sni[3]!};
  return undefined;
}

export interface ClusterQuery {
  /** Service FQDN, e.g. helloworld.sample.svc.cluster.local. */
  service: string;
  port: number;
  subset?: string;
  /**
   * outbound: a sidecar or gateway's `outbound|…`; inbound-vip: a waypoint's `inbound-vip|…|http|…`
   * then `…|tcp|…`; auto (default): outbound, then inbound-vip, then the SNI-DNAT `outbound_.…` form.
   */
  direction?: 'outbound' | 'inbound-vip' | 'auto';
}

/** The cluster names a query may match, in the order findCluster tries them. */
export function clusterNamesFor(q: ClusterQuery): string[] {
  const subset = q.subset ?? '';
  const dir = q.direction ?? 'auto';
  const names: string[] = [];
  if (dir !== 'inbound-vip') names.push(`outbound|${q.port}|${subset}|${q.service}`);
  if (dir !== 'outbound') {
    for (const proto of ['http', 'tcp']) names.push(`inbound-vip|${q.port}|${subset ? `${proto}/${subset}` : proto}|${q.service}`);
  }
  if (dir === 'auto') names.push(`outbound_.${q.port}_.${subset}_.${q.service}`); // model.BuildDNSSrvSubsetKey
  return names;
}

/** The cluster Envoy uses for this service port (and subset), if the dump holds it. */
export function findCluster(dump: ClustersDump, q: ClusterQuery): EnvoyCluster | undefined {
  const byName = new Map<string, EnvoyCluster>();
  for (const c of dump.clusters) if (!byName.has(c.name)) byName.set(c.name, c);
  for (const name of clusterNamesFor(q)) {
    const c = byName.get(name);
    if (c) return c;
  }
  return undefined;
}

/** A ClusterSelector for loadClustersDump that keeps exactly the clusters findCluster could return. */
export function clusterSelectorFor(q: ClusterQuery): ClusterSelector {
  const names = new Set(clusterNamesFor(q));
  return (name) => names.has(name);
}

const COMMON_TOKENS: ReadonlySet<string> = new Set(['outbound', 'inbound', 'vip', 'inbound-vip', 'http', 'tcp', 'svc', 'cluster', 'local', '_', '']);

function tokens(name: string): Set<string> {
  const out = new Set<string>();
  for (const t of name.toLowerCase().split(/[|._/\-]+/)) if (!COMMON_TOKENS.has(t) && !/^\d+$/.test(t)) out.add(t);
  return out;
}

/** Levenshtein distance (two rows). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * Up to n cluster names of the dump that resemble `wanted`, best first, for a "did you mean" hint.
 * The same service host ranks first (another port, subset or direction), then shared name tokens
 * (the service or namespace), then edit distance; names that share nothing and are far are left out.
 */
export function nearestClusterNames(dump: ClustersDump, wanted: string, n = 5): string[] {
  const names = dump.allClusterNames.length ? dump.allClusterNames : dump.clusters.map((c) => c.name);
  const w = parseIstioClusterName(wanted);
  const wTokens = tokens(w?.host ?? wanted);
  const scored: {name: string; score: number}[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (name === wanted || seen.has(name)) continue;
    seen.add(name);
    const p = parseIstioClusterName(name);
    const sameHost = w !== undefined && p !== undefined && p.host === w.host;
    let shared = 0;
    for (const t of tokens(p?.host ?? name)) if (wTokens.has(t)) shared++;
    const dist = editDistance(wanted, name);
    if (!sameHost && shared === 0 && dist > Math.max(3, Math.floor(wanted.length * 0.3))) continue;
    const score = (sameHost ? -10_000 : 0) + (sameHost && p!.port === w!.port ? -1_000 : 0) - shared * 100 + dist;
    scored.push({name, score});
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, n).map((s) => s.name);
}
