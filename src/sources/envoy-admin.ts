import {createReadStream} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {Readable} from 'node:stream';
import type {Transport} from './http.js';
import {oneLine} from '../render/text.js';
import {UserError} from './errors.js';

/** Envoy's admin port in Istio proxies (istioctl's default for `proxy-config`). */
export const ENVOY_ADMIN_PORT = 15000;

/** Where an admin answer comes from; each source yields a stream so huge dumps are never held whole. */
export type AdminSource =
  | {kind: 'url'; url: string; timeoutMs: number}
  | {kind: 'file'; path: string}
  | {kind: 'pod'; transport: Transport; namespace: string; pod: string; port?: number; container?: string};

function withPath(base: string, p: string): string {
  return base.replace(/\/+$/, '') + '/' + p.replace(/^\/+/, '');
}

/** GET over plain HTTP, as a stream of the body. */
function httpGet(url: string, timeoutMs: number): Promise<Readable> {
  return new Promise((resolve, reject) => {
    // One request per connection (no keep-alive): an idle pooled socket would hold the
    // port-forward tunnel, and the process, open for seconds after the answer.
    const req = http.get(url, {agent: false, headers: {Connection: 'close'}}, (res) => {
      if ((res.statusCode ?? 0) >= 400) {
        res.resume();
        reject(new UserError(`Envoy admin ${url}: HTTP ${res.statusCode}`, 3));
        return;
      }
      resolve(res);
    });
    // Idle timeout: also ends a body that stops flowing (the reader then sees an error, not a hang).
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s (--request-timeout)`)));
    req.on('error', (e) => reject(new UserError(oneLine(`Envoy admin ${url}: ${e.message}`), 3)));
  });
}

/**
 * A local TCP listener whose connections are tunnelled to the pod's port through the API server's
 * port-forward WebSocket (channel protocol: byte 0 = channel, the first frame of each channel
 * starts with the port, 2 bytes little-endian). The same as `kubectl port-forward`, one stream per
 * connection.
 */
export async function portForward(t: Transport, namespace: string, pod: string, port: number): Promise<{localPort: number; close(): void; lastError(): string | undefined}> {
  const {default: WebSocket} = await import('ws');
  let lastError: string | undefined;
  const tunnels = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    tunnels.add(sock);
    sock.on('close', () => tunnels.delete(sock));
    const url = `${t.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    const ws = new WebSocket(url, ['v4.channel.k8s.io', 'channel.k8s.io'], {...t.options, headers: {...(t.options.headers ?? {})}, handshakeTimeout: t.timeoutMs} as never);
    const seen = new Set<number>();
    const pending: Buffer[] = [];
    let open = false;
    ws.on('open', () => {
      open = true;
      for (const b of pending) ws.send(Buffer.concat([Buffer.from([0]), b]));
      pending.length = 0;
    });
    ws.on('message', (data: Buffer) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (buf.length === 0) return;
      const channel = buf[0]!;
      let payload = buf.subarray(1);
      if (!seen.has(channel)) {
        seen.add(channel);
        payload = payload.subarray(2); // the port, sent once per channel
      }
      if (channel === 0) sock.write(payload);
      else if (channel === 1 && payload.length) {
        lastError = payload.toString('utf8').trim();
        sock.destroy();
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      lastError = `port-forward refused: HTTP ${res.statusCode}`;
      sock.destroy();
    });
    ws.on('error', (e) => {
      lastError ??= `port-forward: ${e.message}`;
      sock.destroy();
    });
    ws.on('close', () => sock.end());
    sock.on('data', (b: Buffer) => (open ? ws.send(Buffer.concat([Buffer.from([0]), b])) : pending.push(b)));
    sock.on('close', () => ws.close());
    sock.on('error', () => ws.close());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = (): void => {
    server.close();
    // Tunnels still open (a reader that gave up) end with the listener.
    for (const sock of tunnels) sock.destroy();
  };
  return {localPort: (server.address() as net.AddressInfo).port, close, lastError: () => lastError};
}

/**
 * `pilot-agent request GET <path>` in the istio-proxy container over the exec WebSocket
 * (v4.channel.k8s.io: 1 stdout, 2 stderr, 3 status). Used when port-forward is refused.
 */
export async function execAdmin(t: Transport, namespace: string, pod: string, adminPath: string, container = 'istio-proxy'): Promise<Readable> {
  const {default: WebSocket} = await import('ws');
  const q = new URLSearchParams({container, stdout: 'true', stderr: 'true'});
  for (const c of ['pilot-agent', 'request', 'GET', adminPath]) q.append('command', c);
  const url = `${t.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec?${q}`;
  const out = new Readable({read() {}});
  const ws = new WebSocket(url, ['v4.channel.k8s.io'], {...t.options, headers: {...(t.options.headers ?? {})}, handshakeTimeout: t.timeoutMs} as never);
  let stderr = '';
  let failed = false;
  let succeeded = false;
  const fail = (e: UserError): void => {
    if (failed) return;
    failed = true;
    clearTimeout(idle);
    out.destroy(e);
    ws.terminate();
  };
  // A stream that goes quiet for --request-timeout is given up: never wait forever.
  let idle = setTimeout(() => fail(new UserError(`exec in ${namespace}/${pod}: no data within ${t.timeoutMs / 1000}s (--request-timeout)`, 3)), t.timeoutMs);
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => fail(new UserError(`exec in ${namespace}/${pod}: no data within ${t.timeoutMs / 1000}s (--request-timeout)`, 3)), t.timeoutMs);
  };
  ws.on('message', (data: Buffer) => {
    touch();
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    if (!buf.length) return;
    const ch = buf[0];
    const payload = buf.subarray(1);
    if (ch === 1) out.push(payload);
    else if (ch === 2 && stderr.length < 4096) stderr += payload.toString('utf8').slice(0, 4096);
    else if (ch === 3 && payload.length) {
      try {
        const st = JSON.parse(payload.toString('utf8')) as {status?: string; message?: string};
        if (st.status && st.status !== 'Success') {
          fail(new UserError(oneLine(`exec in ${namespace}/${pod}: ${st.message ?? 'failed'}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`), 3));
        } else if (st.status === 'Success') succeeded = true;
      } catch {
        /* ignore */
      }
    }
  });
  ws.on('unexpected-response', (_req, res) => {
    fail(new UserError(`exec in ${namespace}/${pod} refused: HTTP ${res.statusCode}`, 3));
  });
  ws.on('error', (e) => {
    fail(new UserError(oneLine(`exec in ${namespace}/${pod}: ${e.message}`), 3));
  });
  ws.on('close', () => {
    clearTimeout(idle);
    if (failed) return;
    // Without the exit Status the output may be cut off: never hand on half a dump as whole.
    if (!succeeded) fail(new UserError(`exec in ${namespace}/${pod}: the stream ended without an exit status (the answer may be cut off)`, 3));
    else out.push(null);
  });
  return out;
}

/**
 * Open one admin path (e.g. `clusters?format=json`) of a proxy as a stream: a URL, a file, or a pod
 * reached by port-forward to 15000 (what istioctl does), falling back to exec of pilot-agent.
 */
export async function openAdmin(src: AdminSource, adminPath: string): Promise<{stream: Readable; via: string; close(): void}> {
  switch (src.kind) {
    case 'file':
      return {stream: createReadStream(src.path), via: `file ${src.path}`, close: () => {}};
    case 'url':
      return {stream: await httpGet(withPath(src.url, adminPath), src.timeoutMs), via: src.url, close: () => {}};
    case 'pod': {
      const port = src.port ?? ENVOY_ADMIN_PORT;
      const pf = await portForward(src.transport, src.namespace, src.pod, port);
      try {
        const stream = await httpGet(`http://127.0.0.1:${pf.localPort}/${adminPath.replace(/^\/+/, '')}`, src.transport.timeoutMs);
        stream.on('close', () => pf.close());
        return {stream, via: `port-forward ${src.namespace}/${src.pod}:${port}`, close: () => pf.close()};
      } catch (e) {
        pf.close();
        const why = pf.lastError() ?? (e as Error).message;
        try {
          const stream = await execAdmin(src.transport, src.namespace, src.pod, adminPath, src.container);
          // Surface a failed exec as the first read's error.
          return {stream, via: `exec pilot-agent in ${src.namespace}/${src.pod} (port-forward failed: ${why})`, close: () => stream.destroy()};
        } catch {
          throw new UserError(`cannot reach the Envoy admin of ${src.namespace}/${src.pod}: ${why}`, 3);
        }
      }
    }
  }
}

/** Read a whole admin answer as text (config_dump, server_info: small enough). */
export async function readAll(stream: Readable, limitBytes = 512 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > limitBytes) throw new UserError(`admin answer larger than ${limitBytes / 1024 / 1024} MiB`, 2);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
