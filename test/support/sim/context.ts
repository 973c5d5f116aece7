/** The state of one simulated context (one API server), shared by the server pipeline and routes. */
import type {Server} from 'node:http';
import {BUILTIN_GROUPS, RESOURCES, groupVersions, qualifiedName, type ResourceDef} from './catalog.js';
import {adminServer, type EnvoyAdminFiles} from './envoy.js';
import type {ObjectStore} from './store.js';
import type {SimFaults, SimForbidden} from './types.js';

export interface ForbiddenRule {
  readonly group: string;
  readonly resource: string;
  /** undefined: the resource and all its subresources. */
  readonly subresource?: string;
  readonly verbs?: readonly string[];
  readonly namespaces?: readonly string[];
}

/** `nodes`, `pods/exec`, `destinationrules.networking.istio.io`, `deployments.apps/scale`. */
export function parseForbidden(f: SimForbidden): ForbiddenRule {
  const spec = typeof f === 'string' ? {resource: f} : f;
  const [qualified, subresource] = spec.resource.split('/', 2) as [string, string | undefined];
  const dot = qualified.indexOf('.');
  const resource = dot < 0 ? qualified : qualified.slice(0, dot);
  const group = dot < 0 ? '' : qualified.slice(dot + 1);
  return {group, resource, ...(subresource ? {subresource} : {}), ...(typeof f === 'object' && f.verbs ? {verbs: f.verbs} : {}), ...(typeof f === 'object' && f.namespaces ? {namespaces: f.namespaces} : {})};
}

export class ContextState {
  faults: SimFaults | undefined;
  /** Requests the current faults may still affect (SimFaults.times). */
  faultsLeft: number | undefined;
  /** `127.0.0.1:PORT`, known once listening. */
  serverAddress = '';
  /** Simulated Envoy admins by `namespace/pod`. */
  readonly envoy = new Map<string, {readonly files: EnvoyAdminFiles; server?: Server}>();

  constructor(
    readonly name: string,
    readonly token: string,
    readonly user: string,
    readonly store: ObjectStore,
    readonly forbidden: readonly ForbiddenRule[],
    /** Groups and `plural.group` resources absent from this server. */
    readonly notInstalled: ReadonlySet<string>,
    /** CRD groups served without objects. */
    readonly installed: ReadonlySet<string>,
    readonly version: {readonly major: string; readonly minor: string; readonly gitVersion: string},
  ) {}

  addEnvoy(files: EnvoyAdminFiles): void {
    this.envoy.set(`${files.namespace}/${files.pod}`, {files});
  }

  /** The Envoy admin of a pod (its HTTP server made on first use), if the pod has dump files. */
  envoyAdmin(namespace: string, pod: string): {files: EnvoyAdminFiles; server: Server} | undefined {
    const e = this.envoy.get(`${namespace}/${pod}`);
    if (!e) return undefined;
    e.server ??= adminServer(e.files);
    return {files: e.files, server: e.server};
  }

  setFaults(f: SimFaults | undefined): void {
    this.faults = f;
    this.faultsLeft = f?.times;
  }

  /** Groups served now (core = ''): built-ins, and CRD groups with objects or declared installed. */
  servedGroups(): Set<string> {
    const withObjects = this.store.groupsWithObjects();
    const out = new Set<string>();
    for (const r of RESOURCES) {
      if (this.notInstalled.has(r.group)) continue;
      if (BUILTIN_GROUPS.includes(r.group) || withObjects.has(r.group) || this.installed.has(r.group)) out.add(r.group);
    }
    return out;
  }

  /** Resources served now, in catalog order. */
  resources(): ResourceDef[] {
    const groups = this.servedGroups();
    return RESOURCES.filter((r) => groups.has(r.group) && !this.notInstalled.has(qualifiedName(r)));
  }

  /** Versions the group serves, preferred first; empty when the group is not served. */
  versionsOf(group: string): string[] {
    return groupVersions(this.resources(), group);
  }

  isForbidden(a: {verb: string; group: string; resource: string; subresource?: string; namespace?: string}): boolean {
    return this.forbidden.some(
      (r) =>
        r.group === a.group &&
        r.resource === a.resource &&
        (r.subresource === undefined || r.subresource === a.subresource) &&
        (!r.verbs || r.verbs.includes(a.verb)) &&
        (!r.namespaces || (a.namespace !== undefined && r.namespaces.includes(a.namespace))),
    );
  }
}
