/** Choosing what to explain: the service (and port) and the proxy to look from. Pure. */
import {serviceFqdn} from '../istio/hosts.js';
import {hasSidecar, isAmbientService, isLivePod, podsOfService, servicePorts, waypointOf, waypointPods} from '../istio/workloads.js';
import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import type {ServiceEntrySpec} from '../istio/types.js';
import {UserError} from '../sources/errors.js';

export interface ServiceTarget {
  fqdn: string;
  port: number;
  svc?: KubeObject;
  se?: KubeObject;
  namespace?: string;
}

/** SERVICE may be `name` (with -n), `namespace/name`, a Service FQDN, or a ServiceEntry host. */
export function resolveService(ctx: ContextSnapshot | undefined, arg: string, namespace: string | undefined, port: number | undefined): ServiceTarget {
  let ns = namespace;
  let name = arg;
  if (arg.includes('/')) [ns, name] = arg.split('/', 2) as [string, string];
  const fq = /^([^.]+)\.([^.]+)(\.svc(\..+)?)?$/.exec(arg);
  if (ctx) {
    let svc: KubeObject | undefined;
    if (fq) svc = ctx.index.get('Service', fq[2]!, fq[1]!);
    svc ??= ctx.index.get('Service', ns ?? 'default', name);
    if (svc) {
      const ports = servicePorts(svc);
      const p = port ?? ports[0]?.port;
      if (p === undefined) throw new UserError(`service ${svc.metadata.namespace}/${svc.metadata.name} has no ports`);
      if (port !== undefined && !ports.some((x) => x.port === port)) throw new UserError(`service ${svc.metadata.namespace}/${svc.metadata.name} has no port ${port} (ports: ${ports.map((x) => x.port).join(', ')})`);
      if (port === undefined && ports.length > 1) process.stderr.write(`note: service has ports ${ports.map((x) => x.port).join(', ')}; explaining ${p} (use --port)\n`);
      return {fqdn: serviceFqdn(svc), port: p, svc, namespace: svc.metadata.namespace};
    }
    const se = ctx.objects.ServiceEntry.find((s) => ((s.spec as ServiceEntrySpec).hosts ?? []).includes(arg) && (!ns || s.metadata.namespace === ns || !namespace));
    if (se) {
      const ports = (se.spec as ServiceEntrySpec).ports ?? [];
      const p = port ?? ports[0]?.number;
      if (p === undefined) throw new UserError(`ServiceEntry ${se.metadata.namespace}/${se.metadata.name} has no ports`);
      return {fqdn: arg, port: p, se, namespace: se.metadata.namespace};
    }
    const candidates = ctx.objects.Service.filter((s) => s.metadata.name === name).map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    throw new UserError(`service "${arg}" not found in ${ns ? `namespace ${ns} of ` : ''}context ${ctx.name}${candidates.length ? ` (did you mean ${candidates.slice(0, 3).join(', ')}?)` : ''}`);
  }
  // No objects (a dump file only): SERVICE must be the host as Envoy names it.
  if (port === undefined) throw new UserError('without a cluster or bundle, give the service port with --port');
  const host = fq && !fq[3] ? `${fq[1]}.${fq[2]}.svc.cluster.local` : arg.includes('.') ? arg : `${arg}.${ns ?? 'default'}.svc.cluster.local`;
  return {fqdn: host, port};
}

export interface ProxyChoice {
  pod: KubeObject;
  kind: 'sidecar' | 'waypoint' | 'gateway';
  why: string;
}

/** `--from POD` or `deploy/NAME` (first running pod of the Deployment). */
export function podFromArg(ctx: ContextSnapshot, from: string, namespace: string): KubeObject {
  let ns = namespace;
  let ref = from;
  const parts = from.split('/');
  if (parts.length === 3) [ns, ref] = [parts[0]!, `${parts[1]}/${parts[2]}`];
  else if (parts.length === 2 && !/^(deploy|deployment|deployments)$/.test(parts[0]!)) [ns, ref] = [parts[0]!, parts[1]!];
  const m = /^(?:deploy|deployment|deployments)\/(.+)$/.exec(ref);
  if (m) {
    const dep = ctx.index.get('Deployment', ns, m[1]!);
    if (!dep) throw new UserError(`deployment ${ns}/${m[1]} not found in context ${ctx.name}`);
    const sel = (dep.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
    const pod = ctx.index.byNamespace('Pod', ns).find((p) => isLivePod(p) && Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
    if (!pod) throw new UserError(`deployment ${ns}/${m[1]} has no running pod`);
    return pod;
  }
  const pod = ctx.index.get('Pod', ns, ref);
  if (!pod) throw new UserError(`pod ${ns}/${ref} not found in context ${ctx.name}`);
  return pod;
}

export function checkProxyPod(pod: KubeObject, kind: ProxyChoice['kind']): void {
  const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (pod.status?.phase && pod.status.phase !== 'Running') throw new UserError(`pod ${name} is ${pod.status.phase}, not Running: its Envoy cannot be read`);
  if (kind === 'sidecar' && !hasSidecar(pod)) {
    throw new UserError(`pod ${name} has no Envoy (no istio-proxy container): kube-proxy (or ztunnel) balances its traffic and no DestinationRule applies; choose a sidecar or waypoint pod with --from`);
  }
}

/**
 * The default proxy: for an ambient service bound to a waypoint, the waypoint pod (it, not the
 * client, applies the DestinationRule); otherwise a sidecar-injected pod in the service's namespace
 * that is not one of the service's own endpoints (a client), else any sidecar pod there.
 */
export function chooseProxy(ctx: ContextSnapshot, target: ServiceTarget): ProxyChoice {
  if (target.svc && isAmbientService(ctx, target.svc)) {
    const wp = waypointOf(ctx, target.svc);
    if (wp) {
      const pods = waypointPods(ctx, wp.name, wp.namespace).filter((p) => p.status?.phase === 'Running' || !p.status?.phase);
      if (pods[0]) return {pod: pods[0], kind: 'waypoint', why: `the service is bound to waypoint ${wp.namespace}/${wp.name}, which applies its DestinationRule`};
      throw new UserError(`the service is bound to waypoint ${wp.namespace}/${wp.name}, but no running waypoint pod was found in context ${ctx.name}`);
    }
  }
  const ns = target.namespace ?? 'default';
  const own = new Set(target.svc ? podsOfService(ctx, target.svc) : []);
  const sidecars = ctx.index.byNamespace('Pod', ns).filter((p) => isLivePod(p) && hasSidecar(p) && (p.status?.phase ?? 'Running') === 'Running');
  const client = sidecars.find((p) => !own.has(p)) ?? sidecars[0];
  if (client) return {pod: client, kind: 'sidecar', why: `a sidecar-injected pod in namespace ${ns}${own.has(client) ? ' (one of the service\'s own pods)' : ''}`};
  throw new UserError(`no sidecar-injected pod in namespace ${ns} of context ${ctx.name} to look from: give one with --from POD (or --from deploy/NAME)`);
}
