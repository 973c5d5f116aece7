/**
 * Faults the simulated cluster's core does not switch on by itself, built on its public hooks
 * (extra routes, kubeconfig text) and plain sockets. Used by test/reliability.
 *
 * - scriptedList(resource, script): the list of one resource answers each request as the script
 *   says: normally, with a status (and Retry-After), reset before or in the middle of the answer,
 *   a stall, or a body that is not a list.
 * - closedPort(): a 127.0.0.1 port nothing listens on (connection refused).
 * - otherCaPem(): a CA certificate the simulated servers do not chain to (TLS verification fails).
 */
import net from 'node:net';
import {parse, stringify} from 'yaml';
import {DEFAULT_ROUTES, type SimCall, type SimRoute} from './index.js';

export type ListAction =
  | 'pass'
  /** Close the connection before any answer. */
  | 'reset'
  /** Send the headers and half of the real body, then close the connection. */
  | 'resetMidBody'
  /** Send the headers and half of the real body, then keep the connection open, silent. */
  | 'stallMidBody'
  | {readonly status: number; readonly retryAfter?: string; readonly message?: string}
  | {readonly stallMs: number}
  /** 200 with this JSON body (e.g. not a list). */
  | {readonly body: unknown};

export interface ScriptedList {
  readonly route: SimRoute;
  /** Requests the route saw, with the continue token presence and the action taken. */
  readonly calls: {continued: boolean; action: string}[];
}

const defaultList = DEFAULT_ROUTES.find((r) => r.verb === 'list' && !r.subresource)!;

/** Answer list requests of `resource` (`pods`, `destinationrules.networking.istio.io`) as `script` says. */
export function scriptedList(resource: string, script: (n: number, info: {continued: boolean}) => ListAction): ScriptedList {
  const calls: ScriptedList['calls'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const route: SimRoute = {
    verb: 'list',
    resource,
    async handle(call: SimCall) {
      const continued = call.url.searchParams.has('continue');
      const action = script(calls.length, {continued});
      calls.push({continued, action: typeof action === 'string' ? action : JSON.stringify(action)});
      if (action === 'pass') return defaultList.handle!(call);
      if (action === 'reset') {
        call.record.fault = 'drop';
        call.req.socket.destroy();
        return;
      }
      if (action === 'resetMidBody' || action === 'stallMidBody') {
        let captured: string | undefined;
        const capture = {
          json(_code: number, body: unknown) {
            captured = `${JSON.stringify(body)}\n`;
          },
          status() {},
          text() {},
          get done() {
            return captured !== undefined;
          },
        };
        await defaultList.handle!({...call, reply: capture});
        const body = captured ?? '{"kind":"List","items":[]}\n';
        const half = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
        call.record.fault = 'drop';
        call.record.status = 200;
        const sock = call.req.socket;
        sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${half}`, () => {
          if (action === 'resetMidBody') sock.destroy();
          else call.record.fault = 'delay';
        });
        return;
      }
      if ('stallMs' in action) {
        call.record.fault = 'delay';
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            timers.delete(t);
            r();
          }, action.stallMs);
          timers.add(t);
        });
        return defaultList.handle!(call);
      }
      if ('body' in action) return call.reply.json(200, action.body);
      call.record.fault = 'status';
      const status = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: action.message ?? `simulated ${action.status}`, reason: 'ServiceUnavailable', code: action.status};
      call.reply.json(action.status, status, action.retryAfter !== undefined ? {headers: {'Retry-After': action.retryAfter}} : {});
    },
  };
  return {route, calls};
}

/** A port on 127.0.0.1 that refuses connections (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A self-signed CA that signed none of the simulated servers (made once with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 36500`; key discarded).
 */
const OTHER_CA = `-----BEGIN CERTIFICATE-----
MIIBzjCCAXOgAwIBAgIUJuNBMz2idQogdiEv4QZ7spGQ8XwwCgYIKoZIzj0EAwIw
OzE5MDcGA1UEAwwwa3ViZWN0bC1mYWlsb3ZlciB0ZXN0czogYSBDQSB0aGF0IHNp
Z25lZCBub3RoaW5nMCAXDTI2MTEyMjA1MDM1MVoYDzIxMjYxMDI5MDUwMzUxWjA7
MTkwNwYDVQQDDDBrdWJlY3RsLWZhaWxvdmVyIHRlc3RzOiBhIENBIHRoYXQgc2ln
bmVkIG5vdGhpbmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARQ89vwmmY68O7t
GKBIQmEFvWcgMff0VNDMv/91fM46F+BRBAeGlh0ilFRripJ9bFAmUBDVdNSmzEuj
yzevSCWio1MwUTAdBgNVHQ4EFgQUth6PSNJ4YIb9zzfX0id107OfQGUwHwYDVR0j
BBgwFoAUth6PSNJ4YIb9zzfX0id107OfQGUwDwYDVR0TAQH/BAUwAwEB/zAKBggq
hkjOPQQDAgNJADBGAiEAkycN9M3wrXJdceX09B2cfq+roYf1OkWZl3BfnGgko+EC
IQC2JxHmRrJ2keTTNUt55ElZk6mBTf2/wg2VKrBV9gtqhg==
-----END CERTIFICATE-----
`;

export function otherCaPem(): string {
  return OTHER_CA;
}

/**
 * Add contexts to a simulated cluster's kubeconfig text: each with its own server, CA (default: the
 * simulated CA) and token. For unreachable servers, wrong CAs, wrong tokens.
 */
export function addContexts(kubeconfig: string, extra: readonly {name: string; server: string; caPem?: string; token?: string; insecure?: boolean}[]): string {
  const doc = parse(kubeconfig) as {clusters: object[]; users: object[]; contexts: object[]};
  const simCa = (doc.clusters[0] as {cluster: {'certificate-authority-data': string}}).cluster['certificate-authority-data'];
  for (const e of extra) {
    doc.clusters.push({
      name: `extra-${e.name}`,
      cluster: {server: e.server, ...(e.insecure ? {'insecure-skip-tls-verify': true} : {'certificate-authority-data': e.caPem ? Buffer.from(e.caPem).toString('base64') : simCa})},
    });
    doc.users.push({name: `extra-${e.name}-user`, user: {token: e.token ?? `token-of-${e.name}`}});
    doc.contexts.push({name: e.name, context: {cluster: `extra-${e.name}`, user: `extra-${e.name}-user`}});
  }
  return stringify(doc);
}
