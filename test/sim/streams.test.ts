/**
 * Port-forward and exec over WebSocket with @kubernetes/client-node, into the simulated Envoy
 * admin of a pod (the way istioctl reaches port 15000).
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {Exec, KubeConfig, PortForward, type V1Status} from '@kubernetes/client-node';
import type WebSocket from 'ws';
import {simRequest} from '../support/sim/client.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIXTURE = path.resolve('test/support/sim/fixtures/basic');
const CLUSTERS_JSON = readFileSync(`${FIXTURE}/cluster1/envoy/sample/helloworld-v1-1/clusters.json`, 'utf8');
const CLUSTERS_TXT = readFileSync(`${FIXTURE}/cluster1/envoy/sample/helloworld-v1-1/clusters.txt`, 'utf8');

let sim: SimCluster;
let kc: KubeConfig;

beforeAll(async () => {
  sim = await startSimCluster({
    contexts: [
      {
        name: 'cluster1',
        bundleDir: `${FIXTURE}/cluster1`,
        envoy: [{namespace: 'sample', pod: 'helloworld-v1-2', files: {'config_dump.json': '{"configs": []}'}}],
      },
      {name: 'cluster2', bundleDir: `${FIXTURE}/cluster2`, forbidden: ['pods/portforward']},
    ],
  });
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => sim.clearRequests());

interface Forwarded {
  /** Raw bytes the pod sent back on the data channel. */
  data: string;
  /** Text of the error channel. */
  error: string;
}

/** One HTTP request through one port-forward WebSocket, read until the server closes it. */
async function forward(context: string, namespace: string, pod: string, port: number, httpRequest: string): Promise<Forwarded> {
  const k = new KubeConfig();
  k.loadFromString(kc.exportConfig());
  k.setCurrentContext(context);
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  const chunks: Buffer[] = [];
  const errs: Buffer[] = [];
  out.on('data', (d: Buffer) => chunks.push(d));
  err.on('data', (d: Buffer) => errs.push(d));
  const ws = (await new PortForward(k).portForward(namespace, pod, [port], out, err, input)) as WebSocket;
  await new Promise<void>((resolve) => {
    ws.on('close', () => resolve());
    input.write(httpRequest);
  });
  return {data: Buffer.concat(chunks).toString('utf8'), error: Buffer.concat(errs).toString('utf8')};
}

function parseHttp(raw: string): {status: number; headers: Record<string, string>; body: string} {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  let body = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    let s = body;
    for (;;) {
      const nl = s.indexOf('\r\n');
      const size = parseInt(s.slice(0, nl), 16);
      if (!size) break;
      out += s.slice(nl + 2, nl + 2 + size);
      s = s.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  return {status: Number(statusLine!.split(' ')[1]), headers, body};
}

const GET = (p: string) => `GET ${p} HTTP/1.1\r\nHost: localhost:15000\r\nConnection: close\r\n\r\n`;

describe('port-forward into the simulated Envoy admin', () => {
  it('serves /clusters?format=json and the text /clusters from the bundle’s dumps', async () => {
    const json = parseHttp((await forward('cluster1', 'sample', 'helloworld-v1-1', 15000, GET('/clusters?format=json'))).data);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.body).toBe(CLUSTERS_JSON);
    const text = parseHttp((await forward('cluster1', 'sample', 'helloworld-v1-1', 15000, GET('/clusters'))).data);
    expect(text.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(text.body).toBe(CLUSTERS_TXT);
  });

  it('serves files given as options, and 404s what the dump does not have', async () => {
    const dump = parseHttp((await forward('cluster1', 'sample', 'helloworld-v1-2', 15000, GET('/config_dump?include_eds'))).data);
    expect([dump.status, dump.body]).toEqual([200, '{"configs": []}']);
    const missing = parseHttp((await forward('cluster1', 'sample', 'helloworld-v1-2', 15000, GET('/clusters?format=json'))).data);
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('config_dump.json');
  });

  it('records the upgrade as a read: verb get, stream portforward, status 101', async () => {
    await forward('cluster1', 'sample', 'helloworld-v1-1', 15000, GET('/clusters'));
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/namespaces/sample/pods/helloworld-v1-1/portforward',
      query: {ports: '15000'},
      upgrade: true,
      verb: 'get',
      subresource: 'portforward',
      stream: 'portforward',
      status: 101,
    });
    expect(sim.requests[0]!.headers.websocketProtocol).toContain('v4.channel.k8s.io');
    expect(sim.mutatingRequests({includeStreams: true})).toEqual([]);
  });

  it('reports connection refused on the error channel for a pod without an admin, or another port', async () => {
    const none = await forward('cluster1', 'other', 'sleep-1', 15000, GET('/clusters'));
    expect(none.data).toBe('');
    expect(none.error).toMatch(/^error forwarding port 15000 to pod [0-9a-f-]+, uid : .*connect: connection refused/);
    const otherPort = await forward('cluster1', 'sample', 'helloworld-v1-1', 15090, GET('/stats'));
    expect(otherPort.error).toContain('error forwarding port 15090');
  });

  it('refuses the upgrade for a missing pod (404), a forbidden subresource (403) and a plain request (400)', async () => {
    await expect(forward('cluster1', 'sample', 'nope', 15000, GET('/clusters'))).rejects.toThrow(/404/);
    await expect(forward('cluster2', 'sample', 'helloworld-v2-9', 15000, GET('/clusters'))).rejects.toThrow(/403/);
    expect(sim.requests.map((r) => r.status)).toEqual([404, 403]);
    const plain = await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1/portforward?ports=15000');
    expect([plain.status, plain.json.message]).toEqual([400, 'Upgrade request required']);
  });
});

describe('exec pilot-agent request in istio-proxy', () => {
  async function run(pod: string, container: string, command: string[]): Promise<{stdout: string; stderr: string; status: V1Status | undefined}> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let errText = '';
    stdout.on('data', (d: Buffer) => (out += d));
    stderr.on('data', (d: Buffer) => (errText += d));
    let status: V1Status | undefined;
    const ws = (await new Exec(kc).exec('sample', pod, container, command, stdout, stderr, null, false, (s) => (status = s))) as WebSocket;
    await new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.on('close', () => resolve())));
    return {stdout: out, stderr: errText, status};
  }

  it('prints the admin answer on stdout and exits Success', async () => {
    const r = await run('helloworld-v1-1', 'istio-proxy', ['pilot-agent', 'request', 'GET', 'clusters?format=json']);
    expect(r.stdout).toBe(CLUSTERS_JSON);
    expect(r.status).toEqual({metadata: {}, status: 'Success'});
    expect(sim.requests[0]).toMatchObject({stream: 'exec', verb: 'get', upgrade: true, status: 101, query: {container: 'istio-proxy'}});
    expect(sim.requests[0]!.query.command).toBe('pilot-agent,request,GET,clusters?format=json');
  });

  it('fails like the runtime for other containers and commands, and with an exit code for admin errors', async () => {
    const app = await run('helloworld-v1-1', 'helloworld', ['pilot-agent', 'request', 'GET', 'clusters']);
    expect(app.status).toMatchObject({status: 'Failure', reason: 'InternalError'});
    expect(app.status?.message).toContain('executable file not found in $PATH');
    const noAdmin = await run('helloworld-v1-3', 'istio-proxy', ['pilot-agent', 'request', 'GET', 'clusters']);
    expect(noAdmin.stderr).toContain('connect: connection refused');
    expect(noAdmin.status).toMatchObject({status: 'Failure', reason: 'NonZeroExitCode', details: {causes: [{reason: 'ExitCode', message: '1'}]}});
  });

  it('refuses an unknown container before the upgrade', async () => {
    await expect(run('helloworld-v1-1', 'nope', ['ls'])).rejects.toThrow(/400/);
    const r = await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1/exec?command=ls', {headers: {Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}});
    expect(r.json.message).toBe('a container name must be specified for pod helloworld-v1-1, choose one of: [helloworld istio-proxy]');
  });
});
