/**
 * A simulated Envoy admin per pod: an in-process HTTP/1.1 server that answers admin paths from
 * dump files (bundle layout `envoy/<namespace>/<pod>/clusters.json | clusters.txt |
 * config_dump.json …`). Port-forward feeds it one TCP-like stream per WebSocket; exec of
 * `pilot-agent request GET <path>` asks it directly.
 */
import {promises as fs} from 'node:fs';
import {createServer, type Server} from 'node:http';
import path from 'node:path';
import {duplexPair, type Duplex} from 'node:stream';

/**
 * Envoy's admin port in Istio proxies (istio pkg/config/constants: EnvoyAdminPort; what
 * `istioctl proxy-config` port-forwards to) and the container that runs pilot-agent. They belong
 * in src/istio/constants.ts once the plugin's Envoy reader needs them; the sim may not edit it.
 */
export const ENVOY_ADMIN_PORT = 15000;
export const PROXY_CONTAINER = 'istio-proxy';

/** Dump files of one proxy: admin file name (`clusters.json`) → content, or a path to read it from. */
export interface EnvoyAdminFiles {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
  readonly files: ReadonlyMap<string, {readonly text?: string; readonly path?: string}>;
}

export interface EnvoyAdminAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The files an admin path may be answered from, most specific first. */
export function candidateFiles(adminPath: string): string[] {
  const url = new URL(adminPath.startsWith('/') ? adminPath : `/${adminPath}`, 'http://envoy.invalid');
  const name = url.pathname.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\//g, '_');
  if (!name) return [];
  const json = url.searchParams.get('format') === 'json';
  return json ? [`${name}.json`] : [`${name}.txt`, name, `${name}.json`];
}

/** Answer one admin request from the dump files, as Envoy would (404 text when there is nothing). */
export async function answerAdmin(admin: EnvoyAdminFiles, method: string, adminPath: string): Promise<EnvoyAdminAnswer> {
  if (method !== 'GET' && method !== 'HEAD') {
    return {status: 405, contentType: 'text/plain; charset=UTF-8', body: 'This endpoint is read-only in the simulated Envoy admin.\n'};
  }
  for (const f of candidateFiles(adminPath)) {
    const file = admin.files.get(f);
    if (!file) continue;
    const body = file.text ?? (await fs.readFile(file.path!, 'utf8'));
    return {status: 200, contentType: f.endsWith('.json') ? 'application/json' : 'text/plain; charset=UTF-8', body};
  }
  return {
    status: 404,
    contentType: 'text/plain; charset=UTF-8',
    body: `invalid path. the simulated admin of ${admin.namespace}/${admin.pod} has: ${[...admin.files.keys()].sort().join(', ') || 'no dump files'}\n`,
  };
}

/** An HTTP/1.1 server that is never listening: connections are handed to it as streams. */
export function adminServer(admin: EnvoyAdminFiles): Server {
  return createServer((req, res) => {
    answerAdmin(admin, req.method ?? 'GET', req.url ?? '/').then(
      (a) => {
        res.writeHead(a.status, {'content-type': a.contentType, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff', server: 'envoy'});
        res.end(req.method === 'HEAD' ? undefined : a.body);
      },
      (e: Error) => {
        res.writeHead(500, {'content-type': 'text/plain'});
        res.end(e.message);
      },
    );
  });
}

/** Open a TCP-like connection into the admin server; returns the client's end. */
export function connectAdmin(server: Server): Duplex {
  const [client, serverSide] = duplexPair();
  server.emit('connection', serverSide);
  return client;
}

/** Envoy dump files under a bundle folder: `…/envoy/<namespace>/<pod>/<file>`. */
export async function envoyDumpsIn(dir: string): Promise<EnvoyAdminFiles[]> {
  const out = new Map<string, {namespace: string; pod: string; files: Map<string, {path: string}>}>();
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.readdir(d, {withFileTypes: true});
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const rel = path.relative(dir, p).split(path.sep);
        const at = rel.indexOf('envoy');
        if (at < 0 || rel.length - at !== 4) continue;
        const [, namespace, pod, file] = rel.slice(at) as [string, string, string, string];
        const key = `${namespace}/${pod}`;
        const entry = out.get(key) ?? {namespace, pod, files: new Map()};
        entry.files.set(file, {path: p});
        out.set(key, entry);
      }
    }
  };
  await walk(dir);
  return [...out.values()].map((e) => ({...e, port: ENVOY_ADMIN_PORT}));
}
