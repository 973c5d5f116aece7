import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {selectsLabels} from '../istio/selectors.js';
import {kubectl} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  eastWestSettings,
  selectorText,
  SYSTEM_NAMESPACES,
  tsbClusterNames,
  tsbPath,
  tsbPathText,
  workspaceNamespacePatterns,
  workspaceOf,
  workspaceSelects,
  type ExposedSelector,
} from './lib/extra-topology.js';
import {clusterIdOf} from './lib/multicluster.js';

const meta: CheckMeta = {
  code: 'FO506',
  name: 'exposed-services-selector-unmatched',
  severity: 'warning',
  title: 'Tetrate exposedServices label selectors match no service of the workspace',
  why:
    'Tetrate Service Bridge exposes a workspace\'s services on the east-west gateway, and creates the WorkloadEntries that let other clusters ' +
    'fail over to them, only for the Services that carry the labels of an exposedServices[].serviceLabels selector (all services when there is none). ' +
    'A selector that matches no Service exposes nothing: the service it was meant for never fails over across clusters.',
  remediation:
    'Put the selector\'s labels on the Services to expose, in every cluster that serves them (kubectl label service …), or correct the selector in the ' +
    'WorkspaceSetting and apply it with tctl. Check that defaultEastWestGatewaySettings sits under spec.',
  requires: ['Service', 'WorkspaceSetting'],
  references: [
    'TSB docs, "Multi-cluster traffic failover with EastWest Gateways" (seed 003): exposedServices, same name and namespace, troubleshooting step 2',
    'TSB API: tsb.tetrate.io WorkspaceSetting.defaultEastWestGatewaySettings, EastWestGateway.exposedServices[].serviceLabels',
  ],
  examples: {
    bad:
      'apiVersion: api.tsb.tetrate.io/v2\nkind: WorkspaceSetting\nmetadata:\n  organization: tetrate\n  tenant: tetrate\n  workspace: bookinfo-ws\n  name: bookinfo-ws-setting\n' +
      'spec:\n  defaultEastWestGatewaySettings:\n  - workloadSelector:\n      namespace: eastwest\n      labels:\n        app: eastwest-gateway\n    exposedServices:\n' +
      '    - serviceLabels:\n        failover: enable   # no Service of the workspace has this label',
    good:
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: details\n  namespace: bookinfo\n  labels:\n    app: details\n    failover: enable   # in every cluster',
  },
};

/** Label commands per finding; the summary names the rest. */
const MAX_COMMANDS = 10;
/** Services named per selector in messages. */
const MAX_NAMED = 3;

interface WsService {
  readonly ctx: ContextSnapshot;
  readonly svc: KubeObject;
}

function svcText(s: WsService): string {
  return `${s.svc.metadata.namespace}/${s.svc.metadata.name} @${s.ctx.name}`;
}

/** The Services of a workspace across the contexts read: those in the namespaces its namespaceSelector takes. */
function workspaceServices(snapshot: Snapshot, workspace: KubeObject | undefined): {services: WsService[]; namespaces: Set<string>} {
  const patterns = workspace ? workspaceNamespacePatterns(workspace) : undefined;
  const services: WsService[] = [];
  const namespaces = new Set<string>();
  for (const ctx of snapshot.contexts) {
    const names = tsbClusterNames(ctx, clusterIdOf(ctx).id);
    const skip = new Set([...SYSTEM_NAMESPACES, ctx.istioNamespace]);
    for (const svc of ctx.objects.Service) {
      const ns = svc.metadata.namespace ?? '';
      if (patterns ? !workspaceSelects(patterns, names, ns) : skip.has(ns)) continue;
      namespaces.add(ns);
      services.push({ctx, svc});
    }
  }
  return {services, namespaces};
}

interface SelectorResult {
  readonly selector: ExposedSelector;
  /** Services that have every key of the selector but another value for some. */
  readonly nearMisses: readonly {readonly s: WsService; readonly differs: string}[];
}

function judge(selectors: readonly ExposedSelector[], services: readonly WsService[]): SelectorResult[] {
  const out: SelectorResult[] = [];
  for (const selector of selectors) {
    const keys = Object.keys(selector.serviceLabels);
    if (keys.length === 0) continue; // an empty selector: how TSB reads it is not documented, judge nothing
    if (services.some((s) => selectsLabels(selector.serviceLabels, s.svc.metadata.labels))) continue;
    const nearMisses = services
      .filter((s) => keys.every((k) => s.svc.metadata.labels?.[k] !== undefined))
      .map((s) => ({s, differs: keys.filter((k) => s.svc.metadata.labels?.[k] !== selector.serviceLabels[k]).map((k) => `${k}=${s.svc.metadata.labels?.[k]}`).join(',')}));
    out.push({selector, nearMisses});
  }
  return out;
}

/** Services that exist (same name and namespace) in more than one context: the ones cross-cluster failover is about. */
function failoverCandidates(services: readonly WsService[]): WsService[] {
  const count = new Map<string, number>();
  for (const s of services) {
    const k = `${s.svc.metadata.namespace}/${s.svc.metadata.name}`;
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  return services.filter((s) => (count.get(`${s.svc.metadata.namespace}/${s.svc.metadata.name}`) ?? 0) > 1);
}

function tctlApply(manifest: string): string {
  return `tctl apply -f - <<'EOF'\n${manifest.endsWith('\n') ? manifest : `${manifest}\n`}EOF`;
}

export const fo506 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  // TSB objects live in the management plane: a bundle may carry them in any context folder, or in several.
  const workspaces: KubeObject[] = snapshot.contexts.flatMap((c) => [...c.objects.Workspace]);
  const seen = new Set<string>();
  for (const ctx of snapshot.contexts) {
    for (const setting of ctx.objects.WorkspaceSetting) {
      const path = tsbPath(setting);
      const id = `${tsbPathText(path)}\u0000${path.name}`;
      if (seen.has(id)) continue;
      seen.add(id);

      const blocks = eastWestSettings(setting);
      const misplaced = blocks.find((b) => b.place === 'top-level');
      const workspace = workspaceOf(setting, workspaces);
      const {services, namespaces} = workspaceServices(snapshot, workspace);
      // No Service of the workspace was read (its clusters are not in the run): nothing to judge the selectors by.
      const judged = services.length > 0 ? judge(blocks.flatMap((b) => b.selectors), services) : [];
      if (!misplaced && judged.length === 0) continue;

      const parts: string[] = [];
      if (misplaced) {
        parts.push(
          'defaultEastWestGatewaySettings sits beside spec instead of under it (an indentation slip: spec is then ' +
            `${blocks.some((b) => b.place === 'spec') ? 'read without it' : 'empty'}), so TSB does not read it: the workspace gets none of these east-west gateway settings and ` +
            'none of its services is exposed for cross-cluster failover by them',
        );
      }
      for (const r of judged) {
        const near = r.nearMisses.slice(0, MAX_NAMED).map((n) => `${svcText(n.s)} has ${n.differs}`);
        parts.push(
          `${r.selector.where}.serviceLabels {${selectorText(r.selector.serviceLabels)}} matches none of the ${services.length} Service(s) of the workspace` +
            (workspace ? '' : ' (its Workspace is not in the run: every namespace read was searched)') +
            (near.length ? `; close: ${near.join('; ')}${r.nearMisses.length > MAX_NAMED ? '; …' : ''}` : ''),
        );
      }

      // Remediation: the corrected object when the block is misplaced; label commands for the candidates otherwise.
      const commands: string[] = [];
      let snippet: string | undefined;
      if (misplaced) {
        const {defaultEastWestGatewaySettings: _top, ...rest} = setting as Record<string, unknown>;
        const spec = (setting.spec ?? {}) as Record<string, unknown>;
        const under = Array.isArray(spec.defaultEastWestGatewaySettings) ? (spec.defaultEastWestGatewaySettings as unknown[]) : [];
        const fixed = {...rest, spec: {...spec, defaultEastWestGatewaySettings: [...under, ...misplaced.entries]}};
        snippet = stringify(fixed, {lineWidth: 0});
        commands.push(tctlApply(snippet));
      }
      const candidates = failoverCandidates(services);
      const pool = candidates.length ? candidates : services;
      const pending: string[] = [];
      for (const r of judged) {
        const keysNeeded = Object.keys(r.selector.serviceLabels);
        for (const s of pool) {
          // Never overwrite a label the Service already has with another value: that one is a near miss to fix in the selector.
          if (keysNeeded.some((k) => s.svc.metadata.labels?.[k] !== undefined)) continue;
          const args = ['label', 'service', s.svc.metadata.name, ...keysNeeded.map((k) => `${k}=${r.selector.serviceLabels[k]}`)];
          pending.push(kubectl(s.ctx.name, s.svc.metadata.namespace, ...args));
        }
      }
      const uniquePending = [...new Set(pending)];
      commands.push(...uniquePending.slice(0, MAX_COMMANDS));
      if (judged.length && uniquePending.length === 0) {
        // Every candidate already has the keys with other values: show the labels to correct the selector by.
        const where = new Map<string, Set<string>>();
        for (const s of services) (where.get(s.ctx.name) ?? where.set(s.ctx.name, new Set()).get(s.ctx.name)!).add(s.svc.metadata.namespace ?? '');
        const shows = [...where].sort().flatMap(([c, nss]) => [...nss].sort().map((ns) => kubectl(c, ns, 'get', 'services', '--show-labels')));
        commands.push(...shows.slice(0, MAX_COMMANDS));
      }
      const summaryParts: string[] = [];
      if (misplaced) summaryParts.push('Move defaultEastWestGatewaySettings under spec (the corrected WorkspaceSetting is below) and apply it with tctl');
      if (judged.length) {
        summaryParts.push(
          `label the Services you want to fail over with the selector's labels in every cluster that serves them` +
            (candidates.length ? ' (below: the workspace\'s Services present in several clusters)' : '') +
            (uniquePending.length > MAX_COMMANDS ? `, ${uniquePending.length - MAX_COMMANDS} more like these` : '') +
            (judged.some((r) => r.nearMisses.length) ? '; where a Service already has the key with another value, correct the selector instead' : ''),
        );
      }
      const remediation: Remediation = {
        summary: `${summaryParts.join('; then ')}.`.replace(/^./, (c) => c.toUpperCase()),
        commands,
        ...(snippet ? {snippet} : {}),
      };
      findings.push(
        finding(meta, {
          context: ctx,
          object: setting,
          message: `WorkspaceSetting ${tsbPathText(path) ? `${tsbPathText(path)}/` : ''}${path.name}: ${parts.join('. ')}.`,
          remediation,
          details: {
            workspace: path.workspace ?? null,
            workspaceFound: !!workspace,
            misplacedEastWestSettings: !!misplaced,
            unmatchedSelectors: judged.map((r) => ({where: r.selector.where, serviceLabels: r.selector.serviceLabels, nearMisses: r.nearMisses.map((n) => `${svcText(n.s)}: ${n.differs}`)})),
            workspaceServices: services.length,
            workspaceNamespaces: [...namespaces].sort(),
          },
        }),
      );
    }
  }
  return findings;
});
