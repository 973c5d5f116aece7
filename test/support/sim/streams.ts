/**
 * Streaming subresources over WebSocket, as the kubelet speaks them behind the API server:
 * - pods/portforward: `v4.channel.k8s.io` (binary), two channels per port (data 2i, error 2i+1),
 *   the first frame of each channel carrying the port (2 bytes little-endian); one TCP stream per
 *   WebSocket, into the pod's simulated Envoy admin.
 * - pods/exec: `v5.channel.k8s.io`/`v4.channel.k8s.io`; stdout on 1, stderr on 2, the exit Status
 *   on 3. Only `pilot-agent request GET <path>` in the istio-proxy container does anything.
 * SPDY (and kubectl's SPDY-over-WebSocket tunnel) is not simulated: `kubectl port-forward` is
 * refused with a 400 that says so; `kubectl exec` (WebSocket v5.channel.k8s.io since 1.30) works.
 */
import {WebSocketServer, type WebSocket} from 'ws';
import type {Duplex} from 'node:stream';
import {ENVOY_ADMIN_PORT, PROXY_CONTAINER, answerAdmin, connectAdmin} from './envoy.js';
import type {SimCall, SimRoute, SimUpgradeCall} from './routes.js';
import {badRequest, notFound} from './status.js';
import type {Obj} from './store.js';

const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const EXEC_STDOUT = 1;
const EXEC_STDERR = 2;
const EXEC_STATUS = 3;

function offeredProtocols(call: SimCall): string[] {
  return String(call.req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('base64url.bearer.authorization.k8s.io.'));
}

/** The client's first offered protocol we speak ('' when it offered none); undefined → refuse. */
function pickProtocol(offered: string[], supported: string[]): string | undefined {
  if (offered.length === 0) return '';
  return offered.find((p) => supported.includes(p));
}

/** The pod, or a 404 already answered. */
function podOf(call: SimCall): Obj | undefined {
  const pod = call.ctx.store.get(call.resource, call.info.namespace, call.info.name!);
  if (!pod) call.reply.status(notFound({group: '', resource: 'pods'}, call.info.name!));
  return pod;
}

function accept(call: SimUpgradeCall, protocol: string): Promise<WebSocket> {
  const wss = new WebSocketServer({noServer: true, handleProtocols: () => protocol || false});
  return new Promise((resolve) =>
    wss.handleUpgrade(call.req, call.socket, call.head, (ws) => {
      call.record.status = 101;
      resolve(ws);
    }),
  );
}

function frame(channel: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** kubectl ≥ 1.31 speaks SPDY, raw or tunnelled in a WebSocket: say plainly that the sim does not. */
function refuseSpdy(call: SimUpgradeCall): boolean {
  const upgrade = String(call.req.headers.upgrade ?? '').toLowerCase();
  const spdy = upgrade !== 'websocket' || offeredProtocols(call).some((p) => p.startsWith('SPDY/'));
  if (!spdy) return false;
  call.record.unimplemented = true;
  call.reply.status(badRequest(`the simulated cluster does not speak SPDY (Upgrade: ${call.req.headers.upgrade ?? ''}; protocols: ${offeredProtocols(call).join(', ') || 'none'}): use WebSocket with ${PORTFORWARD_PROTOCOLS.join(' or ')}, as @kubernetes/client-node does`));
  return true;
}

async function portForward(call: SimUpgradeCall): Promise<void> {
  const {ctx, info, reply} = call;
  if (refuseSpdy(call)) return;
  const pod = podOf(call);
  if (!pod) return;
  const raw = call.url.searchParams.getAll('ports').flatMap((s) => s.split(','));
  const ports = raw.map((s) => Number(s.trim()));
  if (ports.length === 0) return reply.status(badRequest('query parameter "ports" is required'));
  const bad = raw.find((_, i) => !Number.isInteger(ports[i]) || ports[i]! < 1 || ports[i]! > 65535);
  if (bad !== undefined) return reply.status(badRequest(`unable to parse "${bad}" as a port: invalid port`));
  const protocol = pickProtocol(offeredProtocols(call), PORTFORWARD_PROTOCOLS);
  if (protocol === undefined) return reply.status(badRequest(`requested protocol(s) are not supported: ${offeredProtocols(call).join(', ')}; supports ${PORTFORWARD_PROTOCOLS.join(', ')}`));

  const ws = await accept(call, protocol);
  const admin = ctx.envoyAdmin(info.namespace!, info.name!);
  const uid = String(pod.metadata.uid ?? '');
  const streams = new Map<number, Duplex>();
  let open = ports.length;
  const done = (): void => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ports.forEach((port, i) => {
    const dataCh = 2 * i;
    const errCh = dataCh + 1;
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    ws.send(frame(dataCh, portBytes));
    ws.send(frame(errCh, portBytes));
    if (!admin || admin.files.port !== port) {
      ws.send(
        frame(
          errCh,
          `error forwarding port ${port} to pod ${uid}, uid : failed to execute portforward in network namespace "/var/run/netns/sim": failed to connect to localhost:${port} inside namespace "sim", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
        ),
      );
      done();
      return;
    }
    const conn = connectAdmin(admin.server);
    streams.set(dataCh, conn);
    conn.on('data', (d: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(frame(dataCh, d));
    });
    conn.once('close', done);
    conn.once('end', () => conn.destroy());
    conn.on('error', () => {});
  });
  ws.on('message', (msg: Buffer) => {
    if (msg.length < 1) return;
    streams.get(msg[0]!)?.write(msg.subarray(1));
  });
  ws.on('close', () => {
    for (const s of streams.values()) s.destroy();
  });
  ws.on('error', () => {});
}

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** A failure before the process ran (runtime error), instead of an exit code. */
  runtimeError?: string;
}

async function runCommand(call: SimCall, container: string, command: string[]): Promise<ExecResult> {
  const [bin, sub, method, target] = command;
  if (bin === 'pilot-agent' || bin === '/usr/local/bin/pilot-agent') {
    if (container !== PROXY_CONTAINER) return {stdout: '', stderr: '', exitCode: 0, runtimeError: `exec: "${bin}": executable file not found in $PATH`};
    if (sub !== 'request' || !method || !target) return {stdout: '', stderr: 'Error: the simulated pilot-agent only runs `request GET <path>`\n', exitCode: 1};
    const admin = call.ctx.envoyAdmin(call.info.namespace!, call.info.name!);
    const port = admin?.files.port ?? ENVOY_ADMIN_PORT;
    if (!admin) return {stdout: '', stderr: `Error: Get "http://localhost:${port}/${target.replace(/^\//, '')}": dial tcp 127.0.0.1:${port}: connect: connection refused\n`, exitCode: 1};
    const a = await answerAdmin(admin.files, method.toUpperCase(), target.startsWith('/') ? target : `/${target}`);
    if (a.status !== 200) return {stdout: '', stderr: `Error: received unexpected status ${a.status}: ${a.body}`, exitCode: 1};
    return {stdout: a.body, stderr: '', exitCode: 0};
  }
  return {stdout: '', stderr: '', exitCode: 0, runtimeError: `exec: "${bin ?? ''}": executable file not found in $PATH`};
}

function execStatus(command: string[], r: ExecResult): Record<string, unknown> {
  if (r.runtimeError) {
    return {metadata: {}, status: 'Failure', message: `OCI runtime exec failed: exec failed: unable to start container process: ${r.runtimeError}: unknown`, reason: 'InternalError', details: {causes: [{message: r.runtimeError}]}};
  }
  if (r.exitCode === 0) return {metadata: {}, status: 'Success'};
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${r.exitCode}`,
    reason: 'NonZeroExitCode',
    details: {causes: [{reason: 'ExitCode', message: String(r.exitCode)}]},
  };
}

async function exec(call: SimUpgradeCall): Promise<void> {
  const {reply, url} = call;
  if (String(call.req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    call.record.unimplemented = true;
    return reply.status(badRequest(`the simulated cluster does not speak SPDY (Upgrade: ${call.req.headers.upgrade ?? ''}): use WebSocket with ${EXEC_PROTOCOLS.join(' or ')}`));
  }
  const pod = podOf(call);
  if (!pod) return;
  const containers = ((pod.spec as {containers?: {name: string}[]} | undefined)?.containers ?? []).map((c) => c.name);
  let container = url.searchParams.get('container') ?? '';
  if (!container) {
    if (containers.length !== 1) return reply.status(badRequest(`a container name must be specified for pod ${call.info.name}, choose one of: [${containers.join(' ')}]`));
    container = containers[0]!;
  } else if (!containers.includes(container)) {
    return reply.status(badRequest(`container ${container} is not valid for pod ${call.info.name}`));
  }
  const command = url.searchParams.getAll('command');
  if (command.length === 0) return reply.status(badRequest('you must specify at least 1 command'));
  const protocol = pickProtocol(offeredProtocols(call), EXEC_PROTOCOLS);
  if (!protocol) return reply.status(badRequest(`requested protocol(s) are not supported: ${offeredProtocols(call).join(', ') || '(none)'}; supports ${EXEC_PROTOCOLS.join(', ')}`));

  const ws = await accept(call, protocol);
  ws.on('error', () => {});
  ws.on('message', () => {}); // stdin, resize and close frames are read and ignored
  const result = await runCommand(call, container, command);
  if (result.stdout && url.searchParams.get('stdout') !== 'false') ws.send(frame(EXEC_STDOUT, result.stdout));
  if (result.stderr && url.searchParams.get('stderr') !== 'false') ws.send(frame(EXEC_STDERR, result.stderr));
  ws.send(frame(EXEC_STATUS, JSON.stringify(execStatus(command, result))));
  ws.close(1000);
}

/** A stream subresource asked without an upgrade, as the API server refuses it. */
function upgradeRequired(call: SimCall): void {
  call.reply.status(badRequest('Upgrade request required'));
}

export const STREAM_ROUTES: readonly SimRoute[] = (['get', 'create'] as const).flatMap((verb) => [
  {verb, subresource: 'portforward', resource: 'pods', upgrade: portForward, handle: upgradeRequired},
  {verb, subresource: 'exec', resource: 'pods', upgrade: exec, handle: upgradeRequired},
]);
