/**
 * One simulated API server (one context): the request pipeline of a real kube-apiserver in the
 * order its filter chain runs — faults (the network), authentication, discovery, RequestInfo,
 * authorization, resource resolution, verb check — then the route table.
 */
import type {IncomingMessage} from 'node:http';
import {createServer, type Server} from 'node:https';
import type {Duplex} from 'node:stream';
import {BUILTIN_GROUPS} from './catalog.js';
import type {ContextState} from './context.js';
import {serveDiscovery} from './discovery.js';
import {httpReply, socketReply, type Reply} from './reply.js';
import {findRoute, parseRequestInfo, type SimCall, type SimRoute} from './routes.js';
import {expired, forbidden, generic, internalError, methodNotAllowed, pathNotFound, unauthorized} from './status.js';
import type {SimRequest, StreamKind} from './types.js';

/** The real server refuses request bodies over 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const STREAMS: ReadonlySet<string> = new Set<StreamKind>(['exec', 'portforward', 'attach']);
const WS_TOKEN_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';

export interface ServerDeps {
  readonly ctx: ContextState;
  readonly routes: readonly SimRoute[];
  readonly log: SimRequest[];
  /** Pending fault delays, cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
  /** Sockets taken over by an upgrade, destroyed on close. */
  readonly upgraded: Set<Duplex>;
}

export function createContextServer(deps: ServerDeps, tls: {key: string; cert: string}): Server {
  const server = createServer({key: tls.key, cert: tls.cert}, (req, res) => {
    const record = newRecord(deps.ctx, req, false);
    deps.log.push(record);
    void pipeline(deps, req, record, httpReply(res, record), undefined);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const record = newRecord(deps.ctx, req, true);
    deps.log.push(record);
    socket.on('error', () => {});
    deps.upgraded.add(socket);
    socket.once('close', () => deps.upgraded.delete(socket));
    void pipeline(deps, req, record, socketReply(socket, record), {socket, head});
  });
  return server;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  if (m) return m[1]!.trim();
  // Browsers cannot set headers on a WebSocket: the token may ride in a subprotocol.
  const protos = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const p = protos.find((s) => s.startsWith(WS_TOKEN_PROTOCOL));
  return p ? Buffer.from(p.slice(WS_TOKEN_PROTOCOL.length), 'base64url').toString('utf8') : undefined;
}

function newRecord(ctx: ContextState, req: IncomingMessage, upgrade: boolean): SimRequest {
  const url = new URL(req.url ?? '/', 'https://sim.invalid');
  const query: Record<string, string> = {};
  for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k).join(',');
  const token = bearerToken(req);
  const h = req.headers;
  const headers: SimRequest['headers'] = {
    ...(h.accept ? {accept: h.accept} : {}),
    ...(h['content-type'] ? {contentType: h['content-type']} : {}),
    ...(h['user-agent'] ? {userAgent: h['user-agent']} : {}),
    ...(h.upgrade ? {upgrade: h.upgrade} : {}),
    ...(h['sec-websocket-protocol'] ? {websocketProtocol: String(h['sec-websocket-protocol'])} : {}),
  };
  return {
    context: ctx.name,
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    auth: token === undefined ? 'missing' : token === ctx.token ? 'ok' : 'invalid',
    upgrade,
    dryRun: url.searchParams.getAll('dryRun').includes('All'),
    status: 0,
    time: Date.now(),
  };
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

/** true when a fault answered (or dropped) the request. */
async function applyFaults(deps: ServerDeps, record: SimRequest, url: URL, reply: Reply, socket: Duplex): Promise<boolean> {
  const {ctx} = deps;
  const f = ctx.faults;
  if (!f) return false;
  if (f.match !== undefined) {
    let hit: boolean;
    if (typeof f.match === 'string') hit = url.pathname.includes(f.match);
    else {
      f.match.lastIndex = 0;
      hit = f.match.test(url.pathname);
    }
    if (!hit) return false;
  }
  const isContinue = url.searchParams.has('continue');
  if (!f.delayMs && !f.status && !f.dropConnection && !(f.expireContinue && isContinue)) return false;
  if (ctx.faultsLeft !== undefined) {
    if (ctx.faultsLeft <= 0) return false;
    if (--ctx.faultsLeft === 0) ctx.setFaults(undefined);
  }
  if (f.delayMs) {
    record.fault = 'delay';
    await sleep(f.delayMs, deps.timers);
  }
  if (f.dropConnection) {
    record.fault = 'drop';
    socket.destroy();
    return true;
  }
  if (f.status) {
    record.fault = 'status';
    reply.status(generic(f.status));
    return true;
  }
  if (f.expireContinue && isContinue) {
    record.fault = 'expireContinue';
    reply.status(expired());
    return true;
  }
  return false;
}

function readBody(req: IncomingMessage): () => Promise<Buffer> {
  let body: Promise<Buffer> | undefined;
  return () =>
    (body ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error('request entity too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    }));
}

async function pipeline(deps: ServerDeps, req: IncomingMessage, record: SimRequest, reply: Reply, upgrade: {socket: Duplex; head: Buffer} | undefined): Promise<void> {
  const {ctx} = deps;
  try {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    if (await applyFaults(deps, record, url, reply, upgrade?.socket ?? req.socket)) return;
    if (record.auth !== 'ok') return reply.status(unauthorized());

    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    if (read && !upgrade && serveDiscovery(ctx, url.pathname, reply)) return;
    const info = parseRequestInfo(method, url.pathname, url.searchParams);
    if (!info || !info.resource) {
      // A discovery path with a write method, or nothing the server knows.
      if (!read && /^\/(api|apis)(\/[^/]+){0,2}\/?$/.test(url.pathname)) return reply.status(methodNotAllowed());
      return reply.text(404, '404 page not found\n');
    }
    Object.assign(record, {
      verb: info.verb,
      group: info.group,
      version: info.version,
      resource: info.resource,
      ...(info.subresource ? {subresource: info.subresource} : {}),
      ...(info.namespace !== undefined ? {namespace: info.namespace} : {}),
      ...(info.name ? {name: info.name} : {}),
      ...(info.subresource && STREAMS.has(info.subresource) ? {stream: info.subresource as StreamKind} : {}),
    });

    // Authorization runs before routing, on what the path says (even for resources that do not exist).
    if (ctx.isForbidden({verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace})) {
      return reply.status(forbidden({user: ctx.user, verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name}));
    }

    // A group or version nobody serves falls through every handler to Go's NotFound.
    if (!ctx.versionsOf(info.group).includes(info.version)) return reply.text(404, '404 page not found\n');
    const def = ctx.resources().find((r) => r.group === info.group && r.plural === info.resource && r.versions.includes(info.version));
    // Built-in group versions answer an unknown resource with a Status; CRD groups delegate to NotFound.
    const unknownPath = (): void => (BUILTIN_GROUPS.includes(info.group) ? reply.status(pathNotFound()) : reply.text(404, '404 page not found\n'));
    if (!def) return unknownPath();
    const sub = info.subresource ? def.subresources.find((s) => s.name === info.subresource) : undefined;
    if (info.subresource && !sub) return reply.status(pathNotFound());
    if (def.namespaced && info.namespace === undefined && info.name) return reply.status(pathNotFound());
    // (A namespace's own path, /api/v1/namespaces/NAME, carries its name as the namespace.)
    if (!def.namespaced && info.namespace !== undefined && !(def.plural === 'namespaces' && info.name === info.namespace)) return reply.status(pathNotFound());
    if (def.namespaced && info.namespace === undefined && info.verb !== 'list' && info.verb !== 'watch') return reply.status(methodNotAllowed());
    const verbs = sub ? sub.verbs : def.verbs;
    if (!verbs.includes(info.verb)) return reply.status(methodNotAllowed());

    const route = (upgrade ? findRoute(deps.routes, info, def, true) : undefined) ?? findRoute(deps.routes, info, def, false);
    if (!route) {
      record.unimplemented = true;
      const s = methodNotAllowed();
      s.message += ` (the simulated cluster does not implement ${info.verb}${info.subresource ? ` on ${info.subresource}` : ''} yet)`;
      return reply.status(s);
    }
    const call: SimCall = {
      ctx,
      req,
      url,
      info,
      resource: def,
      apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
      record,
      reply,
      body: readBody(req),
      now: Date.now(),
    };
    if (upgrade && route.upgrade) await route.upgrade({...call, socket: upgrade.socket, head: upgrade.head});
    else await route.handle!(call);
  } catch (e) {
    if (!reply.done) reply.status(internalError((e as Error).message));
  }
}
