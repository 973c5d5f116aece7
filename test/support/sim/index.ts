/**
 * A simulated Kubernetes cluster for tests: one HTTPS API server per context on 127.0.0.1, all
 * chained to one CA (test/support/sim/certs, regenerated with certs/generate.sh), bearer-token
 * auth, objects from bundle folders or arrays. Real `kubectl` and @kubernetes/client-node talk
 * to it as to a real cluster. See README.md in this folder for what is and is not simulated.
 *
 *   const sim = await startSimCluster({contexts: [{name: 'cluster1', bundleDir: 'test/fixtures/x/cluster1'}]});
 *   const kubeconfig = await sim.writeKubeconfig(tmpDir);
 *   …
 *   await sim.close();
 */
import {randomBytes} from 'node:crypto';
import {promises as fs, readFileSync} from 'node:fs';
import path from 'node:path';
import type {Duplex} from 'node:stream';
import {findResource, RESOURCES} from './catalog.js';
import {ContextState, parseForbidden} from './context.js';
import {ENVOY_ADMIN_PORT, envoyDumpsIn} from './envoy.js';
import {kubeconfigYaml} from './kubeconfig.js';
import {DEFAULT_ROUTES, type SimRoute} from './routes.js';
import {createContextServer} from './server.js';
import {ObjectStore, readBundleDir} from './store.js';
import type {KubeconfigOptions, SimCluster, SimContextInfo, SimOptions, SimRequest} from './types.js';

export type * from './types.js';
export type {SimCall, SimRoute, SimUpgradeCall, RequestInfo} from './routes.js';
export {DEFAULT_ROUTES} from './routes.js';
export {RESOURCES, type ResourceDef} from './catalog.js';
export {simRequest, runKubectl, KUBECTL, type SimResponse, type KubectlResult} from './client.js';
export {ENVOY_ADMIN_PORT, PROXY_CONTAINER} from './envoy.js';

const CERT_DIR = new URL('./certs/', import.meta.url);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_VERSION = {major: '1', minor: '32', gitVersion: 'v1.32.0'};

function loadCerts(): {ca: string; cert: string; key: string} {
  const read = (f: string): string => readFileSync(new URL(f, CERT_DIR), 'utf8');
  return {ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key')};
}

function knownGroup(g: string): boolean {
  return RESOURCES.some((r) => r.group === g);
}

export async function startSimCluster(opts: SimOptions): Promise<SimCluster> {
  if (opts.contexts.length === 0) throw new Error('startSimCluster: at least one context is needed');
  const names = new Set<string>();
  for (const c of opts.contexts) {
    if (!c.name) throw new Error('startSimCluster: every context needs a name');
    if (names.has(c.name)) throw new Error(`startSimCluster: context "${c.name}" given twice`);
    names.add(c.name);
  }
  const tls = loadCerts();
  const log: SimRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const upgraded = new Set<Duplex>();
  const routes: SimRoute[] = [...(opts.routes ?? []), ...DEFAULT_ROUTES];
  // One creation time for objects that lack one, in the RFC 3339 form the server writes.
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const states: ContextState[] = [];
  for (const c of opts.contexts) {
    const store = new ObjectStore(RESOURCES, c.name, opts.fillMetadata ?? true, createdAt);
    if (c.bundleDir) for (const {file, obj} of await readBundleDir(c.bundleDir)) store.add(obj, file);
    (c.objects ?? []).forEach((o, i) => store.add(o, `objects[${i}]`));
    store.finish();
    for (const n of [...(c.notInstalled ?? []), ...(c.installed ?? [])]) {
      if (!knownGroup(n) && !findResource(RESOURCES, n)) throw new Error(`simulated cluster ${c.name}: unknown API group or resource "${n}"`);
    }
    const notInstalled = new Set(c.notInstalled ?? []);
    for (const g of store.groupsWithObjects()) {
      if (notInstalled.has(g)) throw new Error(`simulated cluster ${c.name}: group ${g} is declared not installed but has objects`);
    }
    const state = new ContextState(
      c.name,
      c.token ?? `sim-${c.name}-${randomBytes(12).toString('hex')}`,
      c.user ?? 'test',
      store,
      (c.forbidden ?? []).map(parseForbidden),
      notInstalled,
      new Set(c.installed ?? []),
      c.version ?? DEFAULT_VERSION,
    );
    if (c.faults) state.setFaults(c.faults);
    if (c.bundleDir) for (const e of await envoyDumpsIn(c.bundleDir)) state.addEnvoy(e);
    for (const e of c.envoy ?? []) {
      const files = new Map(Object.entries(e.files).map(([k, text]) => [k, {text}]));
      state.addEnvoy({namespace: e.namespace, pod: e.pod, port: e.port ?? ENVOY_ADMIN_PORT, files});
    }
    states.push(state);
  }

  const servers = states.map((ctx) => createContextServer({ctx, routes, log, timers, upgraded}, tls));
  const infos: SimContextInfo[] = [];
  try {
    for (const [i, server] of servers.entries()) {
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject);
          resolve((server.address() as {port: number}).port);
        });
      });
      const ctx = states[i]!;
      ctx.serverAddress = `127.0.0.1:${port}`;
      infos.push({name: ctx.name, server: `https://127.0.0.1:${port}`, port, token: ctx.token, user: ctx.user});
    }
  } catch (e) {
    await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    throw e;
  }

  const stateOf = (name: string): ContextState => {
    const s = states.find((x) => x.name === name);
    if (!s) throw new Error(`simulated cluster: no context named "${name}"`);
    return s;
  };
  let closed = false;

  const sim: SimCluster = {
    contexts: infos,
    requests: log,
    caPem: tls.ca,
    mutatingRequests({includeStreams = false, context} = {}) {
      return log.filter((r) => !SAFE_METHODS.has(r.method) && (includeStreams || !r.stream) && (!context || r.context === context));
    },
    clearRequests() {
      log.length = 0;
    },
    setFaults(context, faults) {
      stateOf(context).setFaults(faults);
    },
    object(context, resource, namespace, name) {
      const def = findResource(RESOURCES, resource);
      if (!def) throw new Error(`simulated cluster: unknown resource "${resource}"`);
      const o = stateOf(context).store.get(def, namespace, name);
      return o ? structuredClone(o) : undefined;
    },
    kubeconfig(kopts?: KubeconfigOptions) {
      return kubeconfigYaml(infos, tls.ca, kopts);
    },
    async writeKubeconfig(dir, kopts) {
      const file = path.join(dir, kopts?.fileName ?? 'kubeconfig');
      await fs.mkdir(dir, {recursive: true});
      await fs.writeFile(file, kubeconfigYaml(infos, tls.ca, kopts), {mode: 0o600});
      return file;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // Upgraded sockets (port-forward, exec) are no longer HTTP connections: end them by hand.
      for (const s of upgraded) s.destroy();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
  return sim;
}
