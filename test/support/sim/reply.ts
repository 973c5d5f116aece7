/**
 * Writing answers, to an HTTP response or (for refused upgrades) straight onto the socket, and
 * recording the status in the request log.
 */
import {STATUS_CODES, type ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import {randomUUID} from 'node:crypto';
import {stringify as toYaml} from 'yaml';
import type {KubeStatus} from './status.js';
import type {SimRequest} from './types.js';

export interface Reply {
  /** A JSON (or YAML) body with this status. */
  json(code: number, body: unknown, opts?: {yaml?: boolean; headers?: Record<string, string>}): void;
  /** A Status object, its code as the HTTP status. */
  status(s: KubeStatus): void;
  /** Plain text, as Go's http.NotFound and the health endpoints answer. */
  text(code: number, body: string): void;
  /** The connection is gone or an answer was already written. */
  readonly done: boolean;
}

function commonHeaders(): Record<string, string> {
  return {'Audit-Id': randomUUID(), 'Cache-Control': 'no-cache, private'};
}

function encode(body: unknown, yaml: boolean | undefined): {type: string; data: string} {
  return yaml ? {type: 'application/yaml', data: toYaml(body)} : {type: 'application/json', data: `${JSON.stringify(body)}\n`};
}

export function httpReply(res: ServerResponse, record: SimRequest): Reply {
  const send = (code: number, type: string, data: string, extra: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    record.status = code;
    res.writeHead(code, {...commonHeaders(), 'Content-Type': type, 'Content-Length': Buffer.byteLength(data), ...extra});
    res.end(data);
  };
  return {
    json(code, body, opts = {}) {
      const {type, data} = encode(body, opts.yaml);
      send(code, type, data, opts.headers);
    },
    status(s) {
      const extra: Record<string, string> = s.details?.retryAfterSeconds ? {'Retry-After': String(s.details.retryAfterSeconds)} : {};
      const {type, data} = encode(s, false);
      send(s.code, type, data, extra);
    },
    text(code, body) {
      send(code, 'text/plain; charset=utf-8', body, {'X-Content-Type-Options': 'nosniff'});
    },
    get done() {
      return res.headersSent || res.destroyed;
    },
  };
}

/** For an upgrade request that is refused: a plain HTTP/1.1 answer on the raw socket, then close. */
export function socketReply(socket: Duplex, record: SimRequest): Reply {
  let sent = false;
  const send = (code: number, type: string, data: string, extra: Record<string, string> = {}): void => {
    if (sent || socket.destroyed) return;
    sent = true;
    record.status = code;
    const headers = {...commonHeaders(), 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(data)), Connection: 'close', ...extra};
    const head = [`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    socket.end(`${head}\r\n\r\n${data}`);
  };
  return {
    json(code, body, opts = {}) {
      const {type, data} = encode(body, opts.yaml);
      send(code, type, data, opts.headers);
    },
    status(s) {
      const {type, data} = encode(s, false);
      send(s.code, type, data);
    },
    text(code, body) {
      send(code, 'text/plain; charset=utf-8', body, {'X-Content-Type-Options': 'nosniff'});
    },
    get done() {
      return sent || socket.destroyed;
    },
  };
}
