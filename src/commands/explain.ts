import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base.js';
import {commonFlags, parseDuration} from '../cli/flags.js';
import {startProgress} from '../cli/progress.js';
import type {ClustersDump, EnvoyCluster} from '../envoy/types.js';
import {explain, type ConfigDumpCluster, type ExplainInput, type ProxyIdentity} from '../explain/model.js';
import {renderExplanation} from '../explain/render.js';
import {checkProxyPod, chooseProxy, podFromArg, resolveService, type ProxyChoice} from '../explain/target.js';
import type {Explanation} from '../explain/types.js';
import {LABEL} from '../istio/constants.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {OutputFormat} from '../render/doctor.js';
import {styleFor} from '../render/text.js';
import {UserError} from '../sources/errors.js';
import {loadSnapshot} from '../sources/index.js';

export default class Explain extends BaseCommand {
  static override summary = 'Where traffic for one service goes now, from one proxy, why, and where it goes after each failure';
  static override description = `Reads one proxy's Envoy admin /clusters (port-forward to 15000, exec fallback, --admin-url, or a file)
and shows every endpoint's locality, priority (and why Istio gave it), health and outlier state, the
traffic split Envoy computes now, and the split after each plausible failure.`;
  static override examples = [
    '<%= config.bin %> explain helloworld -n sample',
    '<%= config.bin %> explain helloworld -n sample --from deploy/sleep --fail cn-north-4/cn-north-4b/tianjin',
    '<%= config.bin %> explain mydb.com --port 80 --clusters-file clusters.json',
    '<%= config.bin %> explain helloworld -n sample --bundle ./bundle -o json',
  ];

  static override args = {service: Args.string({description: 'the service: NAME (with -n), NAMESPACE/NAME, its FQDN, or a ServiceEntry host', required: true})};

  static override flags = {
    ...commonFlags,
    port: Flags.integer({description: 'the service port (default: its first port)'}),
    subset: Flags.string({description: 'a DestinationRule subset (Envoy cluster outbound|PORT|SUBSET|HOST)'}),
    from: Flags.string({description: 'the proxy to look from: POD, NAMESPACE/POD or deploy/NAME (default: the waypoint of an ambient service, else a sidecar pod in the service namespace)'}),
    'admin-url': Flags.string({description: 'an Envoy admin already reachable, e.g. http://127.0.0.1:15000'}),
    'clusters-file': Flags.string({description: 'read /clusters (JSON or text) from a file instead'}),
    'config-dump': Flags.string({description: 'read /config_dump from a file (the proxy locality, outlier detection, panic threshold)'}),
    fail: Flags.string({description: 'also show the split after this fails: a locality (region[/zone[/subzone]]), a context or an address (repeatable)', multiple: true}),
    watch: Flags.boolean({description: 're-read the admin and print only what changed (for failover drills)'}),
    interval: Flags.string({description: 'with --watch: time between reads', default: '2s'}),
    count: Flags.integer({description: 'with --watch: stop after this many reads (default: until interrupted)', hidden: true}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Explain);
    const timeout = parseDuration(flags['request-timeout']);
    const namespace = flags.namespace?.[0];
    const fileOnly = !!flags['clusters-file'] && !flags.bundle && !flags.context?.length;
    const format = flags.output as OutputFormat;

    let snapshot: Snapshot | undefined;
    let cleanup = async (): Promise<void> => {};
    if (!fileOnly && !(flags['admin-url'] && !flags.bundle && !flags.context?.length && !flags.from)) {
      const progress = await startProgress('reading ' + (flags.bundle ? `bundle ${flags.bundle}` : 'cluster'));
      try {
        const loaded = await loadSnapshot({bundle: flags.bundle, kubeconfig: flags.kubeconfig, contexts: flags.context ?? [], requestTimeoutMs: timeout, istioNamespace: flags['istio-namespace']});
        snapshot = loaded.snapshot;
        cleanup = loaded.cleanup;
      } finally {
        progress.stop();
      }
    }
    try {
      const ctx: ContextSnapshot | undefined = snapshot?.contexts[0];
      const target = resolveService(ctx, args.service, namespace, flags.port);
      let choice: ProxyChoice | undefined;
      if (ctx && !flags['clusters-file'] && !flags['admin-url']) {
        if (flags.from) {
          const pod = podFromArg(ctx, flags.from, namespace ?? target.namespace ?? 'default');
          const kind = pod.metadata.labels?.[LABEL.gatewayName] ? 'waypoint' : 'sidecar';
          choice = {pod, kind, why: 'given with --from'};
        } else choice = chooseProxy(ctx, target);
        checkProxyPod(choice.pod, choice.kind);
        process.stderr.write(`note: explaining from ${choice.kind} ${choice.pod.metadata.namespace}/${choice.pod.metadata.name} [${ctx.name}]: ${choice.why}\n`);
      } else if (ctx && flags.from) {
        const pod = podFromArg(ctx, flags.from, namespace ?? target.namespace ?? 'default');
        choice = {pod, kind: pod.metadata.labels?.[LABEL.gatewayName] ? 'waypoint' : 'sidecar', why: 'given with --from'};
      }

      const envoy = await import('../envoy/index.js');
      const query = {service: target.fqdn, port: target.port, ...(flags.subset ? {subset: flags.subset} : {}), direction: 'auto' as const};
      const selector = envoy.clusterSelectorFor(query);
      const names = envoy.clusterNamesFor(query);
      const reader = await this.adminReader(flags, ctx, choice, timeout);

      const readOnce = async (): Promise<Explanation> => {
        const dump: ClustersDump = await reader.clusters(selector, names);
        const cluster: EnvoyCluster | undefined = envoy.findCluster(dump, query);
        if (!cluster) {
          const near = envoy.nearestClusterNames(dump, envoy.clusterNamesFor(query)[0]!, 5);
          throw new UserError(`no Envoy cluster for ${target.fqdn}:${target.port} in ${reader.via}${near.length ? ` (nearest: ${near.join(', ')})` : ' (the dump has no similar cluster)'}`);
        }
        let configDumpCluster: ConfigDumpCluster | undefined;
        let bootstrapLocality;
        const cd = await reader.configDump(cluster.name);
        if (cd) {
          bootstrapLocality = cd.node?.locality;
          const cc = envoy.findClusterConfig(cd, cluster.name);
          if (cc) {
            configDumpCluster = {
              ...(cc.outlierDetection ? {outlierDetection: cc.outlierDetection} : {}),
              ...(cc.commonLbConfig?.healthyPanicThreshold !== undefined ? {healthyPanicThreshold: cc.commonLbConfig.healthyPanicThreshold} : {}),
              ...(cc.commonLbConfig ? {localityWeighted: cc.commonLbConfig.localityWeightedLb} : {}),
            };
          }
        }
        const proxy: ProxyIdentity = choice
          ? {context: ctx?.name, namespace: choice.pod.metadata.namespace, pod: choice.pod.metadata.name, kind: choice.kind, via: reader.via, ...(bootstrapLocality ? {bootstrapLocality} : {})}
          : {kind: 'file', via: reader.via, ...(bootstrapLocality ? {bootstrapLocality} : {})};
        const input: ExplainInput = {service: target.fqdn, port: target.port, ...(flags.subset ? {subset: flags.subset} : {}), proxy, cluster, ...(configDumpCluster ? {configDumpCluster} : {}), ...(snapshot ? {snapshot} : {}), fail: flags.fail ?? []};
        return explain(input);
      };

      const first = await readOnce();
      process.stdout.write(renderExplanation(first, format, {width: process.stdout.columns || 100, style: styleFor(process.stdout)}));
      if (flags.watch) {
        const {diffExplanations} = await import('../explain/watch.js');
        const every = parseDuration(flags.interval, '--interval');
        let prev = first;
        for (let i = 1; flags.count === undefined || i < flags.count; i++) {
          await new Promise((r) => setTimeout(r, every));
          const next = await readOnce();
          for (const line of diffExplanations(prev, next)) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
          prev = next;
        }
      }
    } finally {
      await cleanup();
    }
  }

  /** Where the admin answers come from: a file, a URL, the bundle, or the live pod. */
  private async adminReader(
    flags: {'clusters-file'?: string; 'config-dump'?: string; 'admin-url'?: string; kubeconfig?: string; context?: string[]; bundle?: string},
    ctx: ContextSnapshot | undefined,
    choice: ProxyChoice | undefined,
    timeout: number,
  ): Promise<{via: string; clusters(sel: import('../envoy/types.js').ClusterSelector, names: readonly string[]): Promise<ClustersDump>; configDump(cluster: string): Promise<import('../envoy/config-dump.js').ConfigDump | undefined>}> {
    const envoy = await import('../envoy/index.js');
    const fromFile = async (p: string | undefined, cluster: string) => (p ? envoy.loadConfigDump(p, {cluster}) : undefined);
    if (flags['clusters-file']) {
      const file = flags['clusters-file'];
      // A file is scanned for the service's clusters only (a dump of any size, streamed).
      return {via: `file ${file}`, clusters: (_sel, names) => envoy.loadClustersFor(file, names), configDump: (c) => fromFile(flags['config-dump'], c)};
    }
    const {openAdmin, readAll} = await import('../sources/envoy-admin.js');
    if (flags['admin-url']) {
      const url = flags['admin-url'];
      return {
        via: url,
        clusters: async (sel) => envoy.parseClustersJson(await readAll((await openAdmin({kind: 'url', url, timeoutMs: timeout}, 'clusters?format=json')).stream), {cluster: sel}),
        configDump: async (c) => (flags['config-dump'] ? fromFile(flags['config-dump'], c) : envoy.parseConfigDump(await readAll((await openAdmin({kind: 'url', url, timeoutMs: timeout}, 'config_dump')).stream), {cluster: c})),
      };
    }
    if (!ctx || !choice) throw new UserError('no proxy to read: give --from, --admin-url or --clusters-file');
    const ns = choice.pod.metadata.namespace!;
    const pod = choice.pod.metadata.name;
    if (flags.bundle) {
      const dump = ctx.envoy.find((e) => e.namespace === ns && e.pod === pod);
      if (!dump?.clusters?.path) {
        const have = ctx.envoy.map((e) => `${e.namespace}/${e.pod}`);
        throw new UserError(`the bundle has no Envoy /clusters dump for ${ns}/${pod} in ${ctx.name}${have.length ? ` (it has: ${have.join(', ')}; use --from)` : ' (collect it with `kubectl failover collect --from`)'}`);
      }
      const clustersPath = dump.clusters.path;
      return {
        via: `bundle ${ctx.name}/envoy/${ns}/${pod}`,
        clusters: (_sel, names) => envoy.loadClustersFor(clustersPath, names, {format: dump.clusters!.format}),
        configDump: (c) => fromFile(flags['config-dump'] ?? dump.configDump?.path, c),
      };
    }
    const {resolveContexts, transportFor} = await import('../sources/kube.js');
    const {kc} = await resolveContexts(flags.kubeconfig, [ctx.name]);
    const t = await transportFor(kc, ctx.name, timeout);
    let via = `port-forward ${ns}/${pod}:15000`;
    return {
      get via() {
        return via;
      },
      clusters: async (sel) => {
        const a = await openAdmin({kind: 'pod', transport: t, namespace: ns, pod}, 'clusters?format=json');
        via = a.via;
        return envoy.parseClustersJson(await readAll(a.stream), {cluster: sel});
      },
      configDump: async (c) => {
        if (flags['config-dump']) return fromFile(flags['config-dump'], c);
        try {
          const a = await openAdmin({kind: 'pod', transport: t, namespace: ns, pod}, 'config_dump');
          return envoy.parseConfigDump(await readAll(a.stream), {cluster: c});
        } catch {
          return undefined; // optional: the explanation stands without it
        }
      },
    };
  }
}
