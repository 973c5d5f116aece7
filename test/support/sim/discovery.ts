/**
 * Legacy discovery (/api, /apis, /api/v1, /apis/G, /apis/G/V) and /version. The aggregated
 * discovery Accept (apidiscovery.k8s.io v2) is ignored: the answer's Content-Type is plain JSON,
 * which makes kubectl and client-go fall back to one request per group version.
 */
import {storageVersionHash, type ResourceDef} from './catalog.js';
import type {ContextState} from './context.js';
import type {Reply} from './reply.js';

function gv(group: string, version: string): {groupVersion: string; version: string} {
  return {groupVersion: group ? `${group}/${version}` : version, version};
}

function apiGroup(ctx: ContextState, group: string): Record<string, unknown> {
  const versions = ctx.versionsOf(group);
  return {name: group, versions: versions.map((v) => gv(group, v)), preferredVersion: gv(group, versions[0]!)};
}

function resourceEntries(r: ResourceDef): Record<string, unknown>[] {
  const main: Record<string, unknown> = {name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs};
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  main.storageVersionHash = storageVersionHash(r);
  const subs = r.subresources.map((s) => {
    const e: Record<string, unknown> = {name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced};
    if (s.group !== undefined) {
      e.group = s.group;
      e.version = s.version;
    }
    e.kind = s.kind;
    e.verbs = s.verbs;
    return e;
  });
  return [main, ...subs];
}

function resourceList(ctx: ContextState, group: string, version: string): Record<string, unknown> {
  const resources = ctx
    .resources()
    .filter((r) => r.group === group && r.versions.includes(version))
    .flatMap(resourceEntries);
  // The core group's list is encoded without apiVersion.
  return group ? {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources} : {kind: 'APIResourceList', groupVersion: version, resources};
}

/** Answer a non-resource GET; false when the path is not one of these (the caller goes on). */
export function serveDiscovery(ctx: ContextState, pathname: string, reply: Reply): boolean {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/version') {
    reply.json(200, {
      major: ctx.version.major,
      minor: ctx.version.minor,
      gitVersion: ctx.version.gitVersion,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2024-12-11T17:58:54Z',
      goVersion: 'go1.23.4',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
    return true;
  }
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    reply.text(200, 'ok');
    return true;
  }
  if (path === '/api') {
    reply.json(200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: ctx.serverAddress}]});
    return true;
  }
  if (path === '/api/v1') {
    reply.json(200, resourceList(ctx, '', 'v1'));
    return true;
  }
  if (path === '/apis') {
    const groups = [...ctx.servedGroups()].filter((g) => g !== '');
    reply.json(200, {kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(ctx, g))});
    return true;
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) {
    const [, group, version] = m as unknown as [string, string, string | undefined];
    const versions = ctx.servedGroups().has(group) ? ctx.versionsOf(group) : [];
    if (versions.length === 0 || (version !== undefined && !versions.includes(version))) {
      reply.text(404, '404 page not found\n');
    } else if (version === undefined) {
      reply.json(200, {kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(ctx, group)});
    } else {
      reply.json(200, resourceList(ctx, group, version));
    }
    return true;
  }
  return false;
}
