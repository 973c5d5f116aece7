import http from 'node:http';
import https, {type RequestOptions} from 'node:https';
import {oneLine} from '../render/text.js';
import {HttpError, NetworkError} from './errors.js';

// Defined in errors.ts so that catching them (cli/base.ts) does not load node:http (issue #5).
export {HttpError, NetworkError};

export interface Transport {
  readonly server: string;
  readonly options: RequestOptions;
  readonly timeoutMs: number;
  readonly context: string;
}

/**
 * Retries of read requests (GET is idempotent): 429 and 5xx answers, and connections reset before
 * the answer was complete. Bounded in count and in total waiting; a Retry-After header (or the
 * Status' retryAfterSeconds) is honoured when it fits the bounds, else the request gives up at once.
 * Never retried: connection refused, TLS and DNS errors, timeouts, other 4xx.
 */
export const RETRY = {
  /** Tries of one request, the first included. */
  maxAttempts: 4,
  /** Backoff without Retry-After: base · 2^(retry−1), plus up to 25 % jitter. */
  baseDelayMs: 200,
  /** Longest single wait (a longer Retry-After makes the request give up instead). */
  maxDelayMs: 5_000,
  /** Longest total waiting between the tries of one request. */
  maxTotalWaitMs: 10_000,
  statuses: [429, 500, 502, 503, 504] as readonly number[],
  networkCodes: ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'EAI_AGAIN', 'RESPONSE_ABORTED'] as readonly string[],
};

/** A list page is at most `limit` objects: an answer this large is not a Kubernetes API server's. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** Server messages quoted in our errors are cut to this length (one line). */
const MAX_SERVER_MESSAGE = 300;

/** The server address as shown to people: never the user:password part of a URL. */
export function displayServer(server: string): string {
  try {
    const u = new URL(server);
    if (!u.username && !u.password) return server;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return server.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Errors from the network layer, phrased for one line. */
export function networkMessage(e: NodeJS.ErrnoException, server: string, timeoutMs: number): string {
  const s = displayServer(server);
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${s}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the server address ${s}`;
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'REQUEST_TIMEOUT':
      return `no answer from ${s} within ${timeoutMs / 1000}s (--request-timeout)`;
    case 'ECONNRESET':
    case 'RESPONSE_ABORTED':
      return `connection to ${s} was reset`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${s} is unreachable (${e.code})`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
    case 'CERT_SIGNATURE_FAILURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS error talking to ${s}: ${oneLine(e.message, MAX_SERVER_MESSAGE)} (check the kubeconfig's certificate-authority)`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS handshake with ${s} failed: ${oneLine(e.message, MAX_SERVER_MESSAGE)}`;
    default:
      return `${s}: ${oneLine(e.message, MAX_SERVER_MESSAGE)}`;
  }
}

function retryAfterMs(header: string | string[] | undefined, statusDetails: unknown): number | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (h !== undefined && h.trim() !== '') {
    const secs = Number(h.trim());
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
    const date = Date.parse(h);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const d = statusDetails as {retryAfterSeconds?: unknown} | undefined;
  if (d && typeof d.retryAfterSeconds === 'number' && Number.isFinite(d.retryAfterSeconds) && d.retryAfterSeconds >= 0) return d.retryAfterSeconds * 1000;
  return undefined;
}

/** One GET with a deadline over the whole exchange (connect, TLS, headers and body). */
function requestOnce(t: Transport, path: string, accept: string): Promise<unknown> {
  const lib = t.server.startsWith('http://') ? http : https;
  const url = new URL(t.server + path);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      f();
    };
    const fail = (e: NodeJS.ErrnoException): void => done(() => reject(new NetworkError(networkMessage(e, t.server, t.timeoutMs), e.code)));
    const req = lib.request(
      url,
      {...t.options, method: 'GET', headers: {...(t.options.headers ?? {}), Accept: accept, 'User-Agent': 'kubectl-failover'}},
      (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            done(() => reject(new NetworkError(`${displayServer(t.server)}${path}: answer larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB (limit hit)`, 'RESPONSE_TOO_LARGE')));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) => fail(e.code ? e : Object.assign(e, {code: 'RESPONSE_ABORTED'})));
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the answer was cut off'), {code: 'RESPONSE_ABORTED'}));
        });
        res.on('end', () => {
          if (!res.complete) return fail(Object.assign(new Error('the answer was cut off'), {code: 'RESPONSE_ABORTED'}));
          done(() => {
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let msg = `HTTP ${status}`;
              let details: unknown;
              try {
                const s = JSON.parse(body) as {message?: unknown; details?: unknown};
                if (typeof s.message === 'string' && s.message) msg = oneLine(s.message, MAX_SERVER_MESSAGE);
                details = s.details;
              } catch {
                /* not a Status: keep the code */
              }
              reject(new HttpError(status, msg, retryAfterMs(res.headers['retry-after'], details)));
              return;
            }
            try {
              resolve(JSON.parse(body));
            } catch {
              reject(new Error(`${displayServer(t.server)}${path}: the answer is not JSON (is this a Kubernetes API server?)`));
            }
          });
        });
      },
    );
    const deadline = setTimeout(() => {
      const e = new Error('timeout') as NodeJS.ErrnoException;
      e.code = 'REQUEST_TIMEOUT';
      fail(e);
      req.destroy(e);
    }, t.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => fail(e));
    req.end();
  });
}

function retryable(e: unknown): boolean {
  if (e instanceof HttpError) return RETRY.statuses.includes(e.status);
  if (e instanceof NetworkError) return e.code !== undefined && RETRY.networkCodes.includes(e.code);
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * GET a JSON document from the API server. 429/5xx answers and connections reset mid-answer are
 * retried (RETRY: bounded tries, exponential backoff, Retry-After honoured); every try has the
 * whole `timeoutMs` (--request-timeout) as its deadline, so a stalled server never hangs the run.
 */
export async function requestJson(t: Transport, path: string, accept = 'application/json'): Promise<unknown> {
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestOnce(t, path, accept);
    } catch (e) {
      if (!retryable(e) || attempt >= RETRY.maxAttempts) throw attempt > 1 ? withAttempts(e, attempt) : e;
      const asked = e instanceof HttpError ? e.retryAfterMs : undefined;
      if (asked !== undefined && asked > RETRY.maxDelayMs) {
        throw withAttempts(e, attempt, `the server asked to retry after ${Math.ceil(asked / 1000)}s, longer than the ${RETRY.maxDelayMs / 1000}s this tool waits`);
      }
      const backoff = RETRY.baseDelayMs * 2 ** (attempt - 1);
      const wait = asked ?? Math.min(RETRY.maxDelayMs, backoff + Math.floor(Math.random() * backoff * 0.25));
      if (waited + wait > RETRY.maxTotalWaitMs) throw withAttempts(e, attempt);
      waited += wait;
      await sleep(wait);
    }
  }
}

function withAttempts(e: unknown, attempts: number, why?: string): Error {
  const suffix = why ? ` (${why})` : ` (gave up after ${attempts} tries)`;
  if (e instanceof HttpError) return new HttpError(e.status, e.message + suffix, e.retryAfterMs);
  if (e instanceof NetworkError) return new NetworkError(e.message + suffix, e.code);
  return e as Error;
}
