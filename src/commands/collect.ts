import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base.js';
import {commonFlags, parseDuration} from '../cli/flags.js';
import {startProgress} from '../cli/progress.js';
import type {BundleMeta} from '../sources/bundle.js';
import {safeName, writeBundle, type EnvoyCapture} from '../sources/collect.js';
import {UserError} from '../sources/errors.js';

const {output: _output, bundle: _bundle, ...collectCommon} = commonFlags;

export default class Collect extends BaseCommand {
  static override summary = 'Write a support bundle (objects + Envoy admin dumps) that doctor and explain read offline';
  static override description = `Reads the objects doctor needs from each context (never Secrets' data; ConfigMap data only for the
Istio mesh config and root certificate; managedFields stripped) and Envoy admin dumps of the chosen
proxies, and writes the bundle layout of docs/bundle.md to a directory or a .tar.gz file.`;
  static override examples = ['<%= config.bin %> collect --context cluster1 --context cluster2 -o bundle.tar.gz', '<%= config.bin %> collect --from sample/sleep-abc -o ./bundle'];

  static override flags = {
    ...collectCommon,
    output: Flags.string({char: 'o', description: 'where to write: a directory, or a file ending in .tar.gz', required: true}),
    from: Flags.string({description: 'also capture this proxy\'s Envoy admin (NAMESPACE/POD, or CONTEXT/NAMESPACE/POD; repeatable)', multiple: true}),
    envoy: Flags.boolean({description: 'capture Envoy admin dumps of each waypoint and of one client proxy per namespace with failover configuration', default: true, allowNo: true}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Collect);
    const timeout = parseDuration(flags['request-timeout']);
    const out = flags.output;
    const archive = /\.(tar\.gz|tgz)$/i.test(out);
    try {
      const st = await fs.stat(out);
      if (!archive && st.isDirectory() && (await fs.readdir(out)).length > 0) throw new UserError(`${out} exists and is not empty: give a new directory or a .tar.gz file`);
      if (archive) throw new UserError(`${out} exists: refusing to overwrite it`);
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
    const progress = await startProgress('reading clusters');
    const {readLive, resolveContexts, transportFor} = await import('../sources/kube.js');
    let live;
    try {
      live = await readLive({kubeconfig: flags.kubeconfig, contexts: flags.context ?? [], requestTimeoutMs: timeout, istioNamespace: flags['istio-namespace'], onProgress: (m) => progress.text(m)});
    } catch (e) {
      progress.stop();
      throw e;
    }
    if (live.contexts.length === 0) throw new UserError(live.notes[0] ?? 'no context could be read', 3);
    const envoy: EnvoyCapture[] = [];
    const envoyNotes: string[] = [];
    const targets: {ctxName: string; ns: string; pod: string}[] = [];
    for (const f of flags.from ?? []) {
      const parts = f.split('/');
      const [ctxName, ns, pod] = parts.length === 3 ? parts : [live.contexts[0]!.name, ...(parts.length === 2 ? parts : [flags.namespace?.[0] ?? 'default', parts[0]])];
      if (!ctxName || !ns || !pod) throw new UserError(`--from ${f}: expected NAMESPACE/POD or CONTEXT/NAMESPACE/POD`);
      targets.push({ctxName, ns, pod});
    }
    if (flags.envoy) {
      const {buildContext} = await import('../model/snapshot.js');
      const {defaultProxies} = await import('../sources/proxies.js');
      for (const c of live.contexts) {
        for (const p of defaultProxies(buildContext(c))) {
          if (!targets.some((t) => t.ctxName === c.name && t.ns === p.namespace && t.pod === p.name)) targets.push({ctxName: c.name, ns: p.namespace, pod: p.name});
        }
      }
    }
    if (targets.length) {
      const {kc} = await resolveContexts(flags.kubeconfig, flags.context ?? []);
      const {openAdmin, readAll} = await import('../sources/envoy-admin.js');
      for (const {ctxName, ns, pod} of targets) {
        progress.text(`capturing Envoy admin of ${ctxName}/${ns}/${pod}`);
        try {
          const t = await transportFor(kc, ctxName, timeout);
          const files: Record<string, string> = {};
          for (const [file, p] of [['clusters.json', 'clusters?format=json'], ['config_dump.json', 'config_dump?include_eds']] as const) {
            const a = await openAdmin({kind: 'pod', transport: t, namespace: ns, pod}, p);
            files[file] = await readAll(a.stream);
          }
          envoy.push({context: ctxName, namespace: ns, pod, files});
        } catch (e) {
          envoyNotes.push(`Envoy admin of ${ctxName}/${ns}/${pod} not captured: ${(e as Error).message}`);
        }
      }
    }
    progress.stop();
    const meta: BundleMeta = {
      apiVersion: 'failover.kubectl.io/v1',
      kind: 'Bundle',
      createdAt: new Date().toISOString(),
      tool: {name: this.config.name, version: this.config.version},
      contexts: live.contexts.map((c) => ({
        name: c.name,
        ...(safeName(c.name) !== c.name ? {folder: safeName(c.name)} : {}),
        istioNamespace: c.istioNamespace ?? flags['istio-namespace'],
        unread: [...(c.unread ?? [])],
        notInstalled: [...(c.notInstalled ?? [])],
      })),
      notes: [...live.notes, ...envoyNotes],
    };
    const dir = archive ? await fs.mkdtemp(path.join(tmpdir(), 'kubectl-failover-collect-')) : out;
    const root = archive ? path.join(dir, 'bundle') : dir;
    const written = await writeBundle(root, live.contexts, meta, envoy);
    if (archive) {
      const tar = await import('tar');
      await tar.c({gzip: true, file: out, cwd: dir, portable: true}, ['bundle']);
      await fs.rm(dir, {recursive: true, force: true});
    }
    for (const n of meta.notes ?? []) process.stderr.write(`note: ${n}\n`);
    const unread = live.contexts.reduce((n, c) => n + (c.unread?.length ?? 0), 0);
    process.stdout.write(
      `wrote ${out}: ${live.contexts.length} context(s) (${live.contexts.map((c) => c.name).join(', ')}), ${written.objects} objects, ${envoy.length} Envoy dump(s)` +
        `${unread ? `, ${unread} kind(s) not readable (listed in bundle.yaml)` : ''}\n`,
    );
    if (live.unreachable.length) this.exit(3);
  }
}
