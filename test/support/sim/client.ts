/** Small helpers for tests that talk to the simulated cluster directly or through the real kubectl. */
import {execFile} from 'node:child_process';
import {request} from 'node:https';
import type {SimCluster} from './types.js';

export interface SimResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * One HTTPS request to a simulated context, trusting the sim's CA. `token: null` sends no
 * Authorization header; a string sends that token instead of the context's.
 */
export function simRequest(
  sim: SimCluster,
  context: string,
  path: string,
  opts: {method?: string; headers?: Record<string, string>; token?: string | null; body?: string} = {},
): Promise<SimResponse> {
  const c = sim.contexts.find((x) => x.name === context);
  if (!c) throw new Error(`no simulated context ${context}`);
  const token = opts.token === undefined ? c.token : opts.token;
  const headers: Record<string, string> = {...(token !== null ? {Authorization: `Bearer ${token}`} : {}), ...opts.headers};
  if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = request(`${c.server}${path}`, {method: opts.method ?? 'GET', headers, ca: sim.caPem, agent: false}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json});
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Path of the machine's kubectl (override with $KUBECTL); tests skip when it does not exist. */
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/**
 * Run the real kubectl against a kubeconfig, with its own HOME and --cache-dir under `home` so
 * discovery caches never leak between runs.
 */
export function runKubectl(args: readonly string[], opts: {kubeconfig: string; home: string; timeoutMs?: number}): Promise<KubectlResult> {
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, NO_COLOR: '1'};
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      ['--kubeconfig', opts.kubeconfig, '--cache-dir', `${opts.home}/.kube/cache`, ...args],
      {env, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 32 * 1024 * 1024},
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({code, stdout, stderr});
      },
    );
  });
}
