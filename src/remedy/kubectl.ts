import type {ObjectRef, PatchSpec, Remediation} from '../model/types.js';
import {command} from './shell.js';

/** kubectl's resource name for a kind (qualified where the short name is ambiguous). */
export function resourceName(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.lastIndexOf('/')) : '';
  const lower = ref.kind.toLowerCase();
  switch (ref.kind) {
    case 'Gateway':
      return group === 'gateway.networking.k8s.io' ? 'gateways.gateway.networking.k8s.io' : 'gateways.networking.istio.io';
    case 'DestinationRule':
    case 'ServiceEntry':
    case 'WorkloadEntry':
      return lower;
    case 'ControlPlane':
      return 'controlplanes.install.tetrate.io';
    default:
      return group && !['apps', 'discovery.k8s.io'].includes(group) ? `${lower}.${group}` : lower;
  }
}

function base(context: string, ref: ObjectRef): string[] {
  const args = ['kubectl', '--context', context];
  if (ref.namespace) args.push('-n', ref.namespace);
  return args;
}

/** `kubectl patch` with a minimal merge (or JSON) patch. */
export function patchCommand(context: string, ref: ObjectRef, patch: PatchSpec): string {
  return command([...base(context, ref), 'patch', resourceName(ref), ref.name, '--type', patch.type, '-p', JSON.stringify(patch.body)]);
}

/** `kubectl label` (value undefined removes the label). */
export function labelCommand(context: string, ref: ObjectRef, labels: Readonly<Record<string, string | undefined>>, overwrite = true): string {
  const args = [...base(context, ref), 'label', resourceName(ref), ref.name];
  for (const [k, v] of Object.entries(labels)) args.push(v === undefined ? `${k}-` : `${k}=${v}`);
  if (overwrite) args.push('--overwrite');
  return command(args);
}

export function scaleCommand(context: string, ref: ObjectRef, replicas: number): string {
  return command([...base(context, ref), 'scale', `${resourceName(ref).split('.')[0]}/${ref.name}`, `--replicas=${replicas}`]);
}

/** Any other kubectl invocation, quoted. */
export function kubectl(context: string, namespace: string | undefined, ...args: string[]): string {
  const a = ['kubectl', '--context', context];
  if (namespace) a.push('-n', namespace);
  return command([...a, ...args]);
}

/** A remediation that is one patch of the flagged object. */
export function patchRemediation(summary: string, context: string, ref: ObjectRef, body: unknown, type: PatchSpec['type'] = 'merge'): Remediation {
  const patch: PatchSpec = {type, body};
  return {summary, commands: [patchCommand(context, ref, patch)], patch};
}

export function labelRemediation(summary: string, context: string, ref: ObjectRef, labels: Readonly<Record<string, string | undefined>>): Remediation {
  // The structured form of a label change is a merge patch of metadata.labels (null removes).
  const body = {metadata: {labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? null]))}};
  return {summary, commands: [labelCommand(context, ref, labels)], patch: {type: 'merge', body}};
}

/** `kubectl failover …` (plugin flags go after the plugin name: kubectl passes them through). */
export function failoverCommand(context: string, namespace: string | undefined, ...args: string[]): string {
  return command(['kubectl', 'failover', ...args, '--context', context, ...(namespace ? ['-n', namespace] : [])]);
}
