/**
 * The kinds of object the tool reads, and where each lives in the Kubernetes API.
 * One table drives both the live reader (src/sources/kube.ts) and the bundle reader
 * (src/sources/bundle.ts), so the two produce the same Snapshot.
 */
export type KindKey =
  | 'Namespace'
  | 'Node'
  | 'Service'
  | 'Pod'
  | 'EndpointSlice'
  | 'Deployment'
  | 'ConfigMap'
  | 'Secret'
  | 'DestinationRule'
  | 'ServiceEntry'
  | 'WorkloadEntry'
  | 'IstioGateway'
  | 'Gateway'
  | 'ControlPlane'
  | 'WorkspaceSetting'
  | 'Workspace';

export interface KindInfo {
  readonly key: KindKey;
  /** API group, '' for the core group. */
  readonly group: string;
  /** Versions to try, most preferred first. */
  readonly versions: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** CRD-backed kinds may be absent (404): empty with a note, not an error. */
  readonly optional: boolean;
  /** Read as metadata only (PartialObjectMetadataList): Secrets are never read in full. */
  readonly metadataOnly?: boolean;
  /** Restrict the list (label selector) or read only in the Istio namespace. */
  readonly labelSelector?: string;
  readonly istioNamespaceOnly?: boolean;
}

export const KINDS: readonly KindInfo[] = [
  {key: 'Namespace', group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', namespaced: false, optional: false},
  {key: 'Node', group: '', versions: ['v1'], kind: 'Node', plural: 'nodes', namespaced: false, optional: false},
  {key: 'Service', group: '', versions: ['v1'], kind: 'Service', plural: 'services', namespaced: true, optional: false},
  {key: 'Pod', group: '', versions: ['v1'], kind: 'Pod', plural: 'pods', namespaced: true, optional: false},
  {key: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, optional: false},
  {key: 'Deployment', group: 'apps', versions: ['v1'], kind: 'Deployment', plural: 'deployments', namespaced: true, optional: false},
  {key: 'ConfigMap', group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true, optional: false, istioNamespaceOnly: true},
  {key: 'Secret', group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', namespaced: true, optional: false, metadataOnly: true, labelSelector: 'istio/multiCluster=true', istioNamespaceOnly: true},
  {key: 'DestinationRule', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], kind: 'DestinationRule', plural: 'destinationrules', namespaced: true, optional: true},
  {key: 'ServiceEntry', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], kind: 'ServiceEntry', plural: 'serviceentries', namespaced: true, optional: true},
  {key: 'WorkloadEntry', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], kind: 'WorkloadEntry', plural: 'workloadentries', namespaced: true, optional: true},
  {key: 'IstioGateway', group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], kind: 'Gateway', plural: 'gateways', namespaced: true, optional: true},
  {key: 'Gateway', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], kind: 'Gateway', plural: 'gateways', namespaced: true, optional: true},
  {key: 'ControlPlane', group: 'install.tetrate.io', versions: ['v1alpha1'], kind: 'ControlPlane', plural: 'controlplanes', namespaced: true, optional: true},
  // Tetrate Service Bridge management-plane objects (applied with tctl, not kubectl): read from a
  // bundle (or a cluster that serves the group). They carry organization/tenant/workspace in their
  // metadata, no namespace, so they are treated as cluster-scoped.
  {key: 'WorkspaceSetting', group: 'api.tsb.tetrate.io', versions: ['v2'], kind: 'WorkspaceSetting', plural: 'workspacesettings', namespaced: false, optional: true},
  {key: 'Workspace', group: 'api.tsb.tetrate.io', versions: ['v2'], kind: 'Workspace', plural: 'workspaces', namespaced: false, optional: true},
];

export const KIND_BY_KEY: ReadonlyMap<KindKey, KindInfo> = new Map(KINDS.map((k) => [k.key, k]));

/** Map an object's apiVersion + kind to our key; undefined for kinds the tool ignores. */
export function kindKeyOf(apiVersion: string | undefined, kind: string | undefined): KindKey | undefined {
  if (!apiVersion || !kind) return undefined;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  for (const k of KINDS) if (k.kind === kind && k.group === group) return k.key;
  return undefined;
}

export function apiVersionOf(info: KindInfo, version: string = info.versions[0]!): string {
  return info.group ? `${info.group}/${version}` : version;
}
