/** Public types of the simulated cluster (see index.ts for the entry point). */
import type {SimRoute} from './routes.js';

/**
 * Switchable faults of one context. Every field is optional; more kinds can be added here and
 * handled in server.ts `applyFaults`.
 */
export interface SimFaults {
  /** Wait this long before answering (each matching request). */
  readonly delayMs?: number;
  /** Answer with this HTTP status and a Status object shaped as the real API server's. */
  readonly status?: number;
  /** Close the connection without any answer (the client sees a network error). */
  readonly dropConnection?: boolean;
  /** Answer list requests that carry `continue` with 410 Expired (an etcd compaction). */
  readonly expireContinue?: boolean;
  /** Only requests whose path (no query) matches: a substring, or a RegExp. Default: all. */
  readonly match?: string | RegExp;
  /** Only this many matching requests are affected; then the faults clear themselves. */
  readonly times?: number;
}

/** A resource that RBAC denies: `'nodes'`, `'destinationrules.networking.istio.io'`, `'pods/exec'`. */
export type SimForbidden =
  | string
  | {
      readonly resource: string;
      /** Only these verbs are denied (get, list, watch, create, patch, update, delete…). Default: all. */
      readonly verbs?: readonly string[];
      /** Only in these namespaces. Default: everywhere. */
      readonly namespaces?: readonly string[];
    };

export interface SimContextOptions {
  readonly name: string;
  /** A folder of YAML/JSON manifests, any depth (envoy/<ns>/<pod>/ dumps and bundle.yaml are skipped). */
  readonly bundleDir?: string;
  /** Plain objects (apiVersion, kind, metadata.name…), added after the bundle's. */
  readonly objects?: readonly object[];
  /** Resources RBAC denies → 403 Forbidden. */
  readonly forbidden?: readonly SimForbidden[];
  /** API groups (`networking.istio.io`) or resources (`workloadentries.networking.istio.io`) absent → 404. */
  readonly notInstalled?: readonly string[];
  /** CRD groups served even without objects (by default a CRD group exists only if it has objects). */
  readonly installed?: readonly string[];
  /** Bearer token of this context. Default: a random one. */
  readonly token?: string;
  /** User name the server puts in Forbidden messages. Default `test`. */
  readonly user?: string;
  /** Faults active from the start (switch them later with `sim.setFaults`). */
  readonly faults?: SimFaults;
  /**
   * Envoy admin dumps of pods (added to, or replacing, the bundle's `envoy/<ns>/<pod>/` files):
   * file name as in a bundle (`clusters.json`, `clusters.txt`, `config_dump.json`) → content.
   * Served through port-forward (port 15000 by default) and `pilot-agent request GET …` exec.
   */
  readonly envoy?: readonly {readonly namespace: string; readonly pod: string; readonly port?: number; readonly files: Readonly<Record<string, string>>}[];
  /** Server version reported by /version. Default 1.32.0. */
  readonly version?: {readonly major: string; readonly minor: string; readonly gitVersion: string};
}

export interface SimOptions {
  readonly contexts: readonly SimContextOptions[];
  /** Extra routes, tried before the built-in ones (same verb/subresource overrides). */
  readonly routes?: readonly SimRoute[];
  /**
   * Fill in uid, resourceVersion and creationTimestamp where an object lacks them, as a real
   * server always has them. Default true.
   */
  readonly fillMetadata?: boolean;
}

/** The Kubernetes verb of a resource request (what RBAC sees). */
export type KubeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** The kind of streaming subresource a request opens (exec and attach are `create` for RBAC). */
export type StreamKind = 'exec' | 'portforward' | 'attach';

/** One request as the simulated server saw it. */
export interface SimRequest {
  readonly context: string;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query parameters (a repeated key keeps all values, comma-joined). */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: {
    readonly accept?: string;
    readonly contentType?: string;
    readonly userAgent?: string;
    readonly upgrade?: string;
    readonly websocketProtocol?: string;
  };
  /** Bearer token: the context's (`ok`), none (`missing`) or another one (`invalid`). */
  auth: 'ok' | 'missing' | 'invalid';
  /** For resource requests: what the API server's RequestInfo would say. */
  verb?: KubeVerb;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** A WebSocket (or SPDY) upgrade. */
  readonly upgrade: boolean;
  /** Streaming subresource (exec/portforward/attach): not a change of state, though `create` for RBAC. */
  stream?: StreamKind;
  /** `dryRun=All` was given. */
  readonly dryRun: boolean;
  /** HTTP status answered (101 for an accepted upgrade; 0 while pending or when the connection was dropped). */
  status: number;
  /** A fault answered this request. */
  fault?: 'delay' | 'status' | 'drop' | 'expireContinue';
  /** The verb is valid for the resource but the simulator has no handler for it yet. */
  unimplemented?: boolean;
  readonly time: number;
}

export interface SimContextInfo {
  readonly name: string;
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  readonly port: number;
  readonly token: string;
  readonly user: string;
}

export interface KubeconfigOptions {
  /** File name inside dir. Default `kubeconfig`. */
  readonly fileName?: string;
  /** Default: the first context. */
  readonly currentContext?: string;
  /** Default namespace of every context. */
  readonly namespace?: string;
}

export interface SimCluster {
  readonly contexts: readonly SimContextInfo[];
  /** Every request, in arrival order (all contexts). */
  readonly requests: SimRequest[];
  /** PEM of the CA every server certificate chains to. */
  readonly caPem: string;
  /** Requests that would change state: any method but GET/HEAD/OPTIONS, streams (exec/portforward) excluded unless asked. */
  mutatingRequests(opts?: {includeStreams?: boolean; context?: string}): SimRequest[];
  clearRequests(): void;
  /** Switch a context's faults on (object) or off (undefined). */
  setFaults(context: string, faults: SimFaults | undefined): void;
  /** The stored object (in the version it was written), or undefined. resource: `pods`, `destinationrules.networking.istio.io`. */
  object(context: string, resource: string, namespace: string | undefined, name: string): Record<string, unknown> | undefined;
  /** Kubeconfig text: one cluster/user/context per simulated context, CA embedded, token auth. */
  kubeconfig(opts?: KubeconfigOptions): string;
  /** Write the kubeconfig (mode 0600) into dir and return its path. */
  writeKubeconfig(dir: string, opts?: KubeconfigOptions): Promise<string>;
  close(): Promise<void>;
}
