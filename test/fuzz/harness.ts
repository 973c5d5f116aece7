/**
 * A seeded, bounded fuzzer over the untrusted-input readers: the Envoy /clusters JSON and text
 * parsers (whole text and streamed), the /config_dump parser, the YAML/JSON manifest loader, and
 * the bundle reader with everything behind it (checks, live checks over Envoy dumps, renderers),
 * plus the explain model over every parsed cluster. Inputs are real dumps and manifests mutated:
 * truncated, spliced, wrong types, enormous numbers, deep nesting, invalid UTF-8, control bytes,
 * alias bombs.
 *
 * Each input must give a result (possibly partial, then with warnings or notes) or a clear error
 * (UserError/DumpError: one line, not empty, bounded), in bounded time, and results must keep
 * their invariants. Anything else is a finding of the fuzzer: `crash`, `invariant`, or `slow`.
 *
 * Used by test/fuzz/fuzz.test.ts (in npm test: fixed seed, ~20 s) and scripts/fuzz.mjs (long runs).
 */
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {CHECKS} from '../../src/checks/index.js';
import {runChecks} from '../../src/checks/run.js';
import {parseClustersJson} from '../../src/envoy/clusters-json.js';
import {parseClustersText, parseClustersTextStream} from '../../src/envoy/clusters-text.js';
import {parseConfigDump} from '../../src/envoy/config-dump.js';
import type {ClustersDump, EnvoyCluster} from '../../src/envoy/types.js';
import {explain} from '../../src/explain/model.js';
import {renderExplanation} from '../../src/explain/render.js';
import {renderReport} from '../../src/render/doctor.js';
import {UserError} from '../../src/sources/errors.js';
import {loadSnapshot} from '../../src/sources/index.js';
import {ManifestParser} from '../../src/sources/bundle.js';
import {formatProblem} from '../../src/sources/manifests.js';
import {oneLine} from '../../src/render/text.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

// --- randomness -------------------------------------------------------------------------------

export {Rng} from '../support/rng.js';
import {Rng} from '../support/rng.js';

// --- seeds ------------------------------------------------------------------------------------

export type SeedKind = 'clusters-json' | 'clusters-text' | 'config-dump' | 'manifest';

export interface Seed {
  readonly kind: SeedKind;
  readonly name: string;
  readonly text: string;
}

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 12) return;
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out, depth + 1);
    else if (e.isFile()) out.push(p);
  }
}

function kindOf(file: string, text: string): SeedKind | undefined {
  const base = path.basename(file).toLowerCase();
  const t = text.trimStart();
  if (/config[_-]?dump.*\.json$/.test(base) || (base.endsWith('.json') && /"configs"\s*:/.test(text.slice(0, 4096)))) return 'config-dump';
  if (base.endsWith('.json') && /cluster_statuses|clusterStatuses|host_statuses|hostStatuses/.test(text.slice(0, 65536))) return 'clusters-json';
  if (base.endsWith('.txt') && /^[^\s:]+::[^\n]*::/m.test(text.slice(0, 65536))) return 'clusters-text';
  if (/\.(ya?ml)$/.test(base) && /^\s*(apiVersion|kind):/m.test(text)) return 'manifest';
  if (base.endsWith('.json') && t.startsWith('{') && /"apiVersion"/.test(text.slice(0, 4096))) return 'manifest';
  return undefined;
}

/** Real dumps and manifests of the project (and of `extraDirs`, e.g. upstream reference dumps). */
export function loadSeeds(extraDirs: readonly string[] = [], maxBytes = 2 * 1024 * 1024): Seed[] {
  const dirs = [
    path.join(ROOT, 'test/envoy/fixtures'),
    path.join(ROOT, 'test/support/sim/fixtures'),
    path.join(ROOT, 'test/fixtures'),
    path.join(ROOT, 'examples'),
    ...extraDirs,
  ];
  const files: string[] = [];
  for (const d of dirs) walk(d, files);
  const seen = new Set<string>();
  const seeds: Seed[] = [];
  for (const f of files.sort()) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue;
    }
    if (st.size === 0 || st.size > maxBytes) continue;
    const text = readFileSync(f, 'utf8');
    if (seen.has(text)) continue;
    seen.add(text);
    const kind = kindOf(f, text);
    if (kind) seeds.push({kind, name: path.relative(ROOT, f).startsWith('..') ? f : path.relative(ROOT, f), text});
  }
  return seeds;
}

// --- mutations --------------------------------------------------------------------------------

const HUGE_NUMBERS = ['1e308', '1e309', '-1', '4294967296', '18446744073709551616', '99999999999999999999999999', '-0', '0.0000001', '1e-400', '2147483648', '"NaN"', '"Infinity"', 'NaN', '1.5', '"1e400"', '"-5"'];
const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1e308, 4294967295, '', 'x', '\u001b[2J', '::', [], {}, [[[]]], {a: {b: {c: null}}}, '9'.repeat(400), 'ä'.repeat(50)];
const CONTROL = ['\u0000', '\u0007', '\u001b[31m', '\u001b]0;x\u0007', '\u009b', '\u202e', '\r', '\t', '\n', '\uFEFF', '\uD800', '\uFFFF'];

/** Byte-level mutations (invalid UTF-8 included): the result is a Buffer. */
function mutateBytes(rng: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const n = 1 + rng.int(8);
  for (let i = 0; i < n && out.length > 0; i++) {
    const at = rng.int(out.length);
    switch (rng.int(4)) {
      case 0:
        out[at] = rng.pick([0x80, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf5, 0xff, 0xfe, 0x00, 0x1b]);
        break;
      case 1:
        out[at] = out[at]! ^ (1 << rng.int(8));
        break;
      case 2:
        out[at] = rng.int(256);
        break;
      default:
        out[at] = 0xed; // start of a UTF-16 surrogate in UTF-8: invalid
    }
  }
  return out;
}

function deepNest(rng: Rng, kind: 'json' | 'yaml'): string {
  const depth = rng.pick([100, 1000, 10_000, 100_000]);
  if (kind === 'json') return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : Array.from({length: Math.min(depth, 2000)}, (_, i) => ' '.repeat(i) + 'a:').join('\n') + ' 1';
}

/** Inputs stay under this size (stacked mutations would otherwise grow without bound). */
export const MAX_INPUT_CHARS = 4 * 1024 * 1024;

function mutateText(rng: Rng, text: string, kind: SeedKind): string {
  let out: string;
  try {
    out = mutateOnce(rng, text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text, kind);
  } catch {
    // A mutation too big for the harness itself (string length, stringify depth): truncate instead.
    out = text.slice(0, rng.int(text.length + 1));
  }
  return out.length > MAX_INPUT_CHARS ? out.slice(0, MAX_INPUT_CHARS) : out;
}

function mutateOnce(rng: Rng, text: string, kind: SeedKind): string {
  const json = kind !== 'clusters-text' && kind !== 'manifest' ? 'json' : kind === 'manifest' ? 'yaml' : 'text';
  const lines = (): string[] => text.split('\n');
  switch (rng.int(16)) {
    case 0: // truncate
      return text.slice(0, rng.int(text.length + 1));
    case 1: {
      // delete a span
      const a = rng.int(text.length);
      return text.slice(0, a) + text.slice(a + rng.int(200));
    }
    case 2: {
      // duplicate a span many times
      const a = rng.int(text.length);
      const span = text.slice(a, a + 1 + rng.int(80));
      return text.slice(0, a) + span.repeat(1 + rng.int(rng.chance(0.1) ? 20_000 : 50)) + text.slice(a);
    }
    case 3: {
      // enormous / odd numbers in place of numbers
      let n = 0;
      return text.replace(/-?\d+(\.\d+)?/g, (m) => (rng.chance(0.3) && n++ < 50 ? rng.pick(HUGE_NUMBERS) : m));
    }
    case 4: {
      // control characters, surrogates, BOMs anywhere
      let t = text;
      for (let i = 0; i < 1 + rng.int(6); i++) {
        const a = rng.int(t.length + 1);
        t = t.slice(0, a) + rng.pick(CONTROL) + t.slice(a);
      }
      return t;
    }
    case 5: // deep nesting, alone or spliced in
      return rng.chance(0.5) ? deepNest(rng, json === 'json' ? 'json' : 'yaml') : spliceAt(rng, text, deepNest(rng, json === 'json' ? 'json' : 'yaml'));
    case 6: {
      // swap and repeat lines
      const l = lines();
      for (let i = 0; i < 1 + rng.int(10); i++) {
        const a = rng.int(l.length);
        const b = rng.int(l.length);
        [l[a], l[b]] = [l[b]!, l[a]!];
      }
      if (rng.chance(0.3)) l.splice(rng.int(l.length), 0, ...Array(rng.int(2000)).fill(rng.pick(l)));
      return l.join('\n');
    }
    case 7: // a very long token
      return spliceAt(rng, text, rng.pick(['x', '::', 'a:', '"', '\\', '9', ' ']).repeat(rng.pick([1000, 100_000, 2_000_000])));
    case 8: // line endings
      return rng.chance(0.5) ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, '\r');
    case 9: // structure-aware (JSON seeds): a node replaced by a value of another type
      return json === 'json' ? mutateJson(rng, text) : kind === 'manifest' ? mutateYaml(rng, text) : mutateClustersText(rng, text);
    case 10:
      return json === 'json' ? mutateJson(rng, mutateJson(rng, text)) : kind === 'manifest' ? mutateYaml(rng, text) : mutateClustersText(rng, text);
    case 11: // two seeds of the same text glued at random points
      return text.slice(0, rng.int(text.length)) + text.slice(rng.int(text.length));
    case 12:
      return kind === 'manifest' ? yamlBomb(rng) : mutateText(rng, text, kind);
    case 13:
      return kind === 'clusters-text' ? mutateClustersText(rng, text) : mutateJson(rng, text);
    case 14: // empty-ish
      return rng.pick(['', ' ', '\n', '{}', '[]', 'null', '0', '""', '---', '\uFEFF', '{', '[', '::', 'a::b', 'a::b::c']);
    default: {
      // several mutations stacked
      let t = text;
      for (let i = 0; i < 2 + rng.int(3); i++) t = mutateText(rng, t, kind);
      return t;
    }
  }
}

function spliceAt(rng: Rng, text: string, insert: string): string {
  const a = rng.int(text.length + 1);
  return text.slice(0, a) + insert + text.slice(a);
}

type Json = null | boolean | number | string | Json[] | {[k: string]: Json};

function nodes(v: Json, out: {parent: Json[] | {[k: string]: Json}; key: string | number}[], depth = 0): void {
  if (depth > 40 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({parent: v, key: i}), nodes(x, out, depth + 1)));
  else for (const [k, x] of Object.entries(v)) out.push({parent: v, key: k}), nodes(x, out, depth + 1);
}

function mutateJson(rng: Rng, text: string): string {
  let v: Json;
  try {
    v = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  const all: {parent: Json[] | {[k: string]: Json}; key: string | number}[] = [];
  nodes(v, all);
  if (all.length === 0) return JSON.stringify(rng.pick(WRONG_VALUES));
  for (let i = 0; i < 1 + rng.int(5); i++) {
    const {parent, key} = rng.pick(all);
    const p = parent as Record<string | number, Json>;
    switch (rng.int(6)) {
      case 0:
        p[key] = rng.pick(WRONG_VALUES) as Json;
        break;
      case 1:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete p[key];
        break;
      case 2: {
        // a key respelled (snake ↔ camel), or a prototype-ish key
        if (Array.isArray(parent)) break;
        const k = String(key);
        const nk = rng.pick([k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), k.toUpperCase(), '__proto__', 'constructor', `${k} `]);
        p[nk] = p[key]!;
        delete p[key];
        break;
      }
      case 3: // enormous priority / weight / port
        p[key] = rng.pick([1e308, -1, 4294967295, 2 ** 53 + 1, 1e9, 0.5, Number.MAX_SAFE_INTEGER]) as Json;
        break;
      case 4: // a list made huge
        if (Array.isArray(p[key])) (p[key] as Json[]).push(...Array(rng.int(5000)).fill((p[key] as Json[])[0] ?? null));
        else p[key] = Array(rng.int(3000)).fill(p[key]!) as Json;
        break;
      default: {
        // deep nesting inside the document
        let d: Json = [];
        for (let j = 0; j < rng.pick([10, 500, 5000]); j++) d = [d];
        p[key] = d;
      }
    }
  }
  return JSON.stringify(v, null, rng.chance(0.5) ? 1 : 0);
}

function mutateYaml(rng: Rng, text: string): string {
  const tricks = [
    () => text.replace(/^(\s*)name: .*/m, `$1name: ${rng.pick(['&a x', '*a', '!!binary aGVsbG8=', '[1, 2]', '{a: b}', '~', "'\u001b[2J'", '"\\e]0;x\\a"', '12345678901234567890', 'true', '.inf', '!!js/function "function(){}"'])}`),
    () => text.replace(/^(\s*)(\w+):/m, '$1$2: &anchor\n$1<<: *anchor\n$1$2:'),
    () => `%YAML 1.1\n---\n${text}\n...\n---\n${text}`,
    () => text.replace(/^( +)/gm, (m) => (rng.chance(0.2) ? '\t' + m : m)),
    () => text.replace(/:\s/g, (m) => (rng.chance(0.05) ? ':' : m)),
    () => `${text}\n---\n${'- '.repeat(rng.pick([10, 1000, 10_000]))}x`,
    () => text.replace(/^kind: .*/m, `kind: ${rng.pick(['List', 'PodList', 'DestinationRuleList', '', '[]', 'Pod'])}`).replace(/^apiVersion: .*/m, `apiVersion: ${rng.pick(['v1', '', 'networking.istio.io/v1', '[x]', '7'])}`),
    () => text.replace(/^items:/m, rng.pick(['items: 5', 'items: "x"', 'items: [1, "a", null, [], {}]', 'items: {a: b}'])),
    () => text.replace(/^(\s*)metadata:/m, rng.pick(['$1metadata: 5', '$1metadata: [a]', '$1metadata: null', '$1metadata: {name: 7, namespace: []}', '$1metadata: {name: "", labels: 5, annotations: [x]}'])),
    () => text.replace(/^(\s*)(labels|annotations|spec|status):/m, `$1$2: ${rng.pick(['5', '[x]', 'null', '"str"', '{a: [1, {b: [2]}]}'])}\n$1x$2:`),
  ];
  return rng.pick(tricks)();
}

function yamlBomb(rng: Rng): string {
  const levels = 3 + rng.int(7);
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: istio-system, labels: *a${levels - 1}}`);
  return lines.join('\n');
}

function mutateClustersText(rng: Rng, text: string): string {
  const l = text.split('\n');
  const at = rng.int(Math.max(1, l.length));
  const line = l[at] ?? '';
  const parts = line.split('::');
  switch (rng.int(6)) {
    case 0:
      parts[parts.length - 1] = rng.pick(HUGE_NUMBERS.map((n) => n.replace(/"/g, '')).concat(['', 'healthy', '/failed_outlier_check/x', 'true', 'abc']));
      break;
    case 1:
      parts.splice(1 + rng.int(Math.max(1, parts.length - 1)), 0, rng.pick(['', ':', '[fd00::1]:80', 'priority', 'hostname', 'zone', 'weight']));
      break;
    case 2:
      parts[0] = rng.pick(['', ' ', 'outbound|80||x', '\u001b[2Jx', 'a b', 'x'.repeat(10_000)]);
      break;
    case 3:
      l.splice(at, 0, ...Array(rng.pick([1, 100, 10_000])).fill(`${parts[0]}::10.0.${rng.int(255)}.${rng.int(255)}:80::priority::${rng.pick(['0', '4294967295', '1e9', '99999999999'])}`));
      return l.join('\n');
    case 4:
      parts.length = rng.int(parts.length + 1);
      break;
    default:
      l.splice(at, 0, `${parts[0]}::${rng.pick(['10.0.0.1:80', '[::1]:80', 'envoy://l/1.2.3.4:80', '/sock', '@abs'])}::${rng.pick(['region', 'zone', 'sub_zone', 'hostname', 'health_flags', 'weight', 'priority', 'canary', 'rq_total', 'success_rate'])}::${rng.pick(['x', '', '-1', '1e400', '\u001b[31m', 'healthy', '/a/b'])}`);
      return l.join('\n');
  }
  l[at] = parts.join('::');
  return l.join('\n');
}

// --- targets and outcomes ---------------------------------------------------------------------

export type Target = 'clusters-json' | 'clusters-text' | 'clusters-text-stream' | 'config-dump' | 'manifest' | 'bundle';
export type Outcome = 'ok' | 'partial' | 'error' | 'crash' | 'invariant' | 'slow';

export interface Finding {
  readonly target: Target;
  readonly outcome: Outcome;
  readonly seed: string;
  readonly message: string;
  /** The input, for a replay (truncated when large). */
  readonly input: string;
}

export interface Tally {
  inputs: number;
  byTarget: Record<string, Record<Outcome, number>>;
  findings: Finding[];
  ms: number;
  slowestMs: number;
  slowest?: string;
}

function newTally(): Tally {
  return {inputs: 0, byTarget: {}, findings: [], ms: 0, slowestMs: 0};
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** An error the tool reports as one line: a UserError (DumpError is one), one line, not empty, bounded. */
function clearError(e: unknown): string | undefined {
  if (!(e instanceof UserError)) return `not a UserError: ${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 300)}`;
  const m = e.message;
  if (!m.trim()) return 'empty error message';
  if (m.includes('\n')) return `multi-line error message: ${JSON.stringify(m.slice(0, 200))}`;
  if (m.length > 4000) return `error message of ${m.length} characters`;
  return undefined;
}

function checkDump(d: ClustersDump): string | undefined {
  if (!Array.isArray(d.clusters) || !Array.isArray(d.warnings) || !Array.isArray(d.allClusterNames)) return 'dump without clusters/warnings/allClusterNames lists';
  for (const c of d.clusters) {
    if (typeof c.name !== 'string') return 'cluster name not a string';
    if (UNPRINTABLE.test(c.name)) return `control character in cluster name ${JSON.stringify(c.name.slice(0, 80))}`;
    for (const h of c.hosts) {
      if (typeof h.address !== 'string') return 'host address not a string';
      if (!Number.isSafeInteger(h.priority) || h.priority < 0 || h.priority > 128) return `host priority ${h.priority} is not a small non-negative integer`;
      if (!Number.isFinite(h.weight) || h.weight < 1) return `host weight ${h.weight}`;
      for (const s of [h.address, h.hostname ?? '', h.locality.region, h.locality.zone, h.locality.subZone]) {
        if (typeof s !== 'string') return 'host string field not a string';
        if (UNPRINTABLE.test(s)) return `control character in host field ${JSON.stringify(s.slice(0, 80))}`;
      }
    }
  }
  return undefined;
}

/** Every parsed cluster goes through the explain model and its renderers: nothing may throw or blow up. */
function exercise(dump: ClustersDump, limit = 3): string | undefined {
  for (const c of dump.clusters.slice(0, limit) as EnvoyCluster[]) {
    const e = explain({service: 'svc.ns.svc.cluster.local', port: 80, proxy: {kind: 'file', via: 'fuzz'}, cluster: c, fail: ['r1', 'r1/z1', '10.0.0.1']});
    for (const f of ['table', 'json', 'markdown'] as const) {
      const out = renderExplanation(e, f, {width: 100});
      if (f !== 'json' && UNPRINTABLE.test(out)) return `control character in explain -o ${f}`;
    }
  }
  return undefined;
}

function chunked(buf: Buffer, rng: Rng): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    const n = 1 + rng.int(rng.chance(0.5) ? 7 : 70_000);
    parts.push(buf.subarray(i, i + n));
    i += n;
  }
  return Readable.from(parts);
}

export interface FuzzOptions {
  readonly seed: number;
  /** Inputs per parser target. */
  readonly perTarget: number;
  /** Bundles (each a folder or .tar.gz, loaded, checked and rendered in every format). */
  readonly bundles: number;
  /** An input slower than this, plus `slowMsPerMiB` per MiB of input, is a `slow` finding (the hang guard). */
  readonly slowMs: number;
  readonly slowMsPerMiB?: number;
  readonly seeds: readonly Seed[];
  /** Stop early (whatever is left) when this much time has passed. */
  readonly budgetMs?: number;
  /** Written before each input, so a hang leaves its input behind. */
  readonly currentInputFile?: string;
  /** Every crash/invariant/slow input is saved here whole (for replay). */
  readonly saveDir?: string;
  readonly log?: (line: string) => void;
}

export async function fuzz(opts: FuzzOptions): Promise<Tally> {
  const rng = new Rng(opts.seed);
  const tally = newTally();
  const t0 = Date.now();
  const byKind = (k: SeedKind): Seed[] => opts.seeds.filter((s) => s.kind === k);
  const pools: Record<Exclude<Target, 'bundle'>, Seed[]> = {
    'clusters-json': byKind('clusters-json'),
    'clusters-text': byKind('clusters-text'),
    'clusters-text-stream': byKind('clusters-text'),
    'config-dump': byKind('config-dump'),
    manifest: byKind('manifest'),
  };
  for (const [t, p] of Object.entries(pools)) if (p.length === 0) throw new Error(`fuzz: no seed for ${t}`);

  const record = (target: Target, outcome: Outcome, seed: string, input: string | Buffer, message = '', ms = 0): void => {
    tally.inputs++;
    const row = (tally.byTarget[target] ??= {ok: 0, partial: 0, error: 0, crash: 0, invariant: 0, slow: 0});
    row[outcome]++;
    if (ms > tally.slowestMs) {
      tally.slowestMs = ms;
      tally.slowest = `${target} from ${seed}`;
    }
    if (outcome === 'crash' || outcome === 'invariant' || outcome === 'slow') {
      if (opts.saveDir) {
        mkdirSync(opts.saveDir, {recursive: true});
        writeFileSync(path.join(opts.saveDir, `${tally.findings.length}-${target}-${outcome}.input`), input);
      }
      const text = typeof input === 'string' ? input : input.toString('latin1');
      tally.findings.push({target, outcome, seed, message, input: text.length > 4000 ? `${text.slice(0, 4000)}…(${text.length} chars)` : text});
      opts.log?.(`${outcome} ${target} (${seed}): ${message}`);
    }
  };
  const over = (): boolean => opts.budgetMs !== undefined && Date.now() - t0 > opts.budgetMs;

  const targets = Object.keys(pools) as Exclude<Target, 'bundle'>[];
  // The YAML loader as bundles use it: large input goes to a worker with memory and time limits.
  const manifests = new ManifestParser();
  for (let i = 0; i < opts.perTarget && !over(); i++) {
    for (const target of targets) {
      const seed = rng.pick(pools[target]);
      const bytes = rng.chance(0.15);
      const text = mutateText(rng, seed.text, seed.kind);
      const input: string | Buffer = bytes ? mutateBytes(rng, Buffer.from(text, 'utf8')) : text;
      const asText = typeof input === 'string' ? input : input.toString('utf8');
      if (opts.currentInputFile) writeFileSync(opts.currentInputFile, input);
      const start = Date.now();
      let outcome: Outcome = 'ok';
      let message = '';
      try {
        let dump: ClustersDump | undefined;
        switch (target) {
          case 'clusters-json':
            dump = parseClustersJson(asText, rng.chance(0.3) ? {cluster: (n) => n.startsWith('outbound|')} : {});
            break;
          case 'clusters-text':
            dump = parseClustersText(asText, rng.chance(0.3) ? {cluster: (n) => n.startsWith('outbound|')} : {});
            break;
          case 'clusters-text-stream':
            dump = await parseClustersTextStream(chunked(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, rng), {});
            break;
          case 'config-dump': {
            const cd = parseConfigDump(asText, {});
            if (!Array.isArray(cd.clusters) || !Array.isArray(cd.endpoints)) message = 'config dump without lists';
            if (cd.warnings.length) outcome = 'partial';
            break;
          }
          case 'manifest': {
            const m = await manifests.parse(asText, 'fuzz.yaml');
            for (const o of m.objects) if (typeof o.obj.metadata?.name !== 'string') message = 'object without a string metadata.name';
            // Problems are shown as notes the way the bundle reader prints them: one bounded line.
            for (const p of m.problems) {
              const note = oneLine(formatProblem(p));
              if (!p.message || note.length > 1000 || note.includes('\n') || UNPRINTABLE.test(note)) message = `problem note ${JSON.stringify(note.slice(0, 100))} (${note.length} characters)`;
            }
            if (m.problems.length) outcome = 'partial';
            break;
          }
        }
        if (dump) {
          message = checkDump(dump) ?? exercise(dump) ?? '';
          if (!message && dump.warnings.length) outcome = 'partial';
        }
        if (message) outcome = 'invariant';
      } catch (e) {
        const bad = clearError(e);
        outcome = bad ? 'crash' : 'error';
        message = bad ?? (e as Error).message;
      }
      const ms = Date.now() - start;
      if (ms > opts.slowMs + ((opts.slowMsPerMiB ?? 3000) * asText.length) / 2 ** 20 && outcome !== 'crash' && outcome !== 'invariant') {
        outcome = 'slow';
        message = `${ms} ms`;
      }
      record(target, outcome, seed.name, input, message, ms);
    }
  }

  manifests.close();

  // Bundles: a folder (or .tar.gz) of mutated manifests and dumps, through the whole doctor pipeline.
  const work = mkdtempSync(path.join(tmpdir(), 'kf-fuzz-'));
  try {
    for (let i = 0; i < opts.bundles && !over(); i++) {
      const dir = path.join(work, `b${i}`);
      const files: string[] = [];
      for (const ctx of rng.chance(0.3) ? ['c1', 'c2'] : ['c1']) {
        mkdirSync(path.join(dir, ctx, 'envoy', 'sample', 'p1'), {recursive: true});
        for (let k = 0; k < 1 + rng.int(4); k++) {
          const s = rng.pick(pools.manifest);
          const f = path.join(dir, ctx, `m${k}.${rng.chance(0.2) ? 'json' : 'yaml'}`);
          writeFileSync(f, rng.chance(0.7) ? mutateText(rng, s.text, 'manifest') : s.text);
          files.push(s.name);
        }
        const cj = rng.pick([...pools['clusters-json'], ...pools['clusters-text']]);
        writeFileSync(path.join(dir, ctx, 'envoy', 'sample', 'p1', cj.kind === 'clusters-json' ? 'clusters.json' : 'clusters.txt'), mutateText(rng, cj.text, cj.kind));
        if (rng.chance(0.5)) writeFileSync(path.join(dir, ctx, 'envoy', 'sample', 'p1', 'config_dump.json'), mutateText(rng, rng.pick(pools['config-dump']).text, 'config-dump'));
        files.push(cj.name);
      }
      if (rng.chance(0.3)) writeFileSync(path.join(dir, 'bundle.yaml'), mutateText(rng, 'apiVersion: failover.kubectl.io/v1\nkind: Bundle\ncontexts:\n- name: c1\n  unread: [{kind: Pod, cause: error, reason: x}]\nnotes: [a]\n', 'manifest'));
      const seedName = `bundle of ${[...new Set(files)].slice(0, 3).join(', ')}`;
      const start = Date.now();
      let outcome: Outcome = 'ok';
      let message = '';
      try {
        const loaded = await loadSnapshot({bundle: dir, contexts: [], requestTimeoutMs: 1000, istioNamespace: 'istio-system', fromPods: [{namespace: 'sample', name: 'p1'}]});
        try {
          const report = runChecks(loaded.snapshot, CHECKS, {includeLive: true});
          const failed = report.notes.filter((n) => /^check FO\d+ failed/.test(n));
          if (failed.length) {
            outcome = 'crash';
            message = failed[0]!;
          } else if (report.notes.length || report.skipped.length) outcome = 'partial';
          for (const f of ['table', 'markdown', 'json', 'yaml'] as const) {
            const out = renderReport(report, f, {width: 100});
            if ((f === 'table' || f === 'markdown') && UNPRINTABLE.test(out)) {
              outcome = 'invariant';
              message = `control character in doctor -o ${f}`;
            }
          }
          for (const c of loaded.snapshot.contexts) for (const p of c.proxies) message ||= exercise({clusters: p.clusters as EnvoyCluster[], warnings: [], allClusterNames: [], format: 'json'}, 2) ?? '';
          if (message && outcome !== 'crash') outcome = 'invariant';
        } finally {
          await loaded.cleanup();
        }
      } catch (e) {
        const bad = clearError(e);
        outcome = bad ? 'crash' : 'error';
        message = bad ?? (e as Error).message;
      }
      const ms = Date.now() - start;
      if (ms > opts.slowMs * 5 && outcome !== 'crash') {
        outcome = 'slow';
        message = `${ms} ms`;
      }
      record('bundle', outcome, seedName, readdirSync(dir, {recursive: true}).join(', '), message, ms);
      rmSync(dir, {recursive: true, force: true});
    }
  } finally {
    rmSync(work, {recursive: true, force: true});
  }
  tally.ms = Date.now() - t0;
  return tally;
}
