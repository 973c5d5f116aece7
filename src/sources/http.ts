import http from 'node:http';
import https, {type RequestOptions} from 'node:https';

export interface Transport {
  readonly server: string;
  readonly options: RequestOptions;
  readonly timeoutMs: number;
  readonly context: string;
}

/** A non-2xx answer from the API server, with the Status message when there is one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Errors from the network layer, phrased for one line. */
export function networkMessage(e: NodeJS.ErrnoException, server: string, timeoutMs: number): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${server}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the server address ${server}`;
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
    case 'REQUEST_TIMEOUT':
      return `no answer from ${server} within ${timeoutMs / 1000}s (--request-timeout)`;
    case 'ECONNRESET':
      return `connection to ${server} was reset`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS error talking to ${server}: ${e.message} (check the kubeconfig's certificate-authority)`;
    default:
      return `${server}: ${e.message}`;
  }
}

/** GET a JSON document from the API server. */
export async function requestJson(t: Transport, path: string, accept = 'application/json'): Promise<unknown> {
  const lib = t.server.startsWith('http://') ? http : https;
  const url = new URL(t.server + path);
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {...t.options, method: 'GET', headers: {...(t.options.headers ?? {}), Accept: accept, 'User-Agent': 'kubectl-failover'}},
      (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) => reject(new Error(networkMessage(e, t.server, t.timeoutMs))));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            let msg = `HTTP ${status}`;
            try {
              const s = JSON.parse(body) as {message?: string};
              if (s.message) msg = s.message;
            } catch {
              /* not a Status: keep the code */
            }
            reject(new HttpError(status, msg));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new Error(`${t.server}${path}: the answer is not JSON (is this a Kubernetes API server?)`));
          }
        });
      },
    );
    req.setTimeout(t.timeoutMs, () => {
      const e = new Error('timeout') as NodeJS.ErrnoException;
      e.code = 'REQUEST_TIMEOUT';
      req.destroy(e);
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(networkMessage(e, t.server, t.timeoutMs))));
    req.end();
  });
}
