/**
 * What the simulated API server serves: every kind of src/model/kinds.ts KINDS, plus the core
 * resources kubectl commonly touches, with the discovery fields of a real v1.32 API server
 * (names, short names, categories, verbs, subresources).
 */
import {createHash} from 'node:crypto';
import {KINDS} from '../../../src/model/kinds.js';

export interface SubresourceDef {
  readonly name: string;
  readonly kind: string;
  readonly verbs: readonly string[];
  /** Group/version of `kind` when it is not the resource's (pods/eviction → policy/v1). */
  readonly group?: string;
  readonly version?: string;
}

export interface ResourceDef {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: readonly SubresourceDef[];
  /** Served by a CustomResourceDefinition: list items keep apiVersion/kind, group may be absent. */
  readonly crd: boolean;
  /** Fields the server accepts in fieldSelector. */
  readonly fieldSelectors: readonly string[];
}

/** `plural` for the core group, `plural.group` otherwise (what RBAC and kubectl call it). */
export function qualifiedName(r: {plural: string; group: string}): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

const BUILTIN_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
// The order a real server lists a CRD's verbs in.
const CRD_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const META_FIELDS = ['metadata.name', 'metadata.namespace'];
const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];
const GATEWAY_API_VERSIONS = ['v1', 'v1beta1'];

const STATUS = (kind: string): SubresourceDef => ({name: 'status', kind, verbs: ['get', 'patch', 'update']});

type Details = Partial<Omit<ResourceDef, 'group' | 'plural' | 'kind' | 'namespaced'>>;

/** Discovery details of the KINDS entries, by qualified name. */
const DETAILS: Record<string, Details> = {
  namespaces: {
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{name: 'finalize', kind: 'Namespace', verbs: ['update']}, STATUS('Namespace')],
    fieldSelectors: [...META_FIELDS, 'status.phase'],
  },
  nodes: {
    shortNames: ['no'],
    subresources: [{name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update']}, STATUS('Node')],
    fieldSelectors: [...META_FIELDS, 'spec.unschedulable'],
  },
  services: {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [{name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update']}, STATUS('Service')],
  },
  pods: {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      {name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get']},
      {name: 'binding', kind: 'Binding', verbs: ['create']},
      {name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update']},
      {name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1'},
      {name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get']},
      {name: 'log', kind: 'Pod', verbs: ['get']},
      {name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get']},
      {name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update']},
      STATUS('Pod'),
    ],
    fieldSelectors: [
      ...META_FIELDS,
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  },
  'endpointslices.discovery.k8s.io': {},
  'deployments.apps': {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [{name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1'}, STATUS('Deployment')],
  },
  configmaps: {shortNames: ['cm']},
  secrets: {fieldSelectors: [...META_FIELDS, 'type']},
  'destinationrules.networking.istio.io': {shortNames: ['dr'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('DestinationRule')]},
  'serviceentries.networking.istio.io': {shortNames: ['se'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('ServiceEntry')]},
  'workloadentries.networking.istio.io': {shortNames: ['we'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('WorkloadEntry')]},
  'gateways.networking.istio.io': {shortNames: ['gw'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('Gateway')]},
  'gateways.gateway.networking.k8s.io': {shortNames: ['gtw'], categories: ['gateway-api'], subresources: [STATUS('Gateway')]},
  'controlplanes.install.tetrate.io': {subresources: [STATUS('ControlPlane')]},
};

/** Resources a real cluster has that the tool does not read, but kubectl users touch. */
const EXTRA: (Details & Pick<ResourceDef, 'group' | 'plural' | 'kind' | 'namespaced'>)[] = [
  {group: '', plural: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep']},
  {group: '', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: [{name: 'token', kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1'}]},
  {group: '', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev']},
  {group: 'apps', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: [{name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1'}, STATUS('ReplicaSet')]},
  {group: 'apps', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: [{name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1'}, STATUS('StatefulSet')]},
  {group: 'apps', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: [STATUS('DaemonSet')]},
  {group: 'networking.istio.io', versions: ISTIO_VERSIONS, plural: 'virtualservices', kind: 'VirtualService', namespaced: true, shortNames: ['vs'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('VirtualService')]},
  {group: 'networking.istio.io', versions: ISTIO_VERSIONS, plural: 'sidecars', kind: 'Sidecar', namespaced: true, categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('Sidecar')]},
  {group: 'networking.istio.io', versions: ISTIO_VERSIONS, plural: 'workloadgroups', kind: 'WorkloadGroup', namespaced: true, shortNames: ['wg'], categories: ['istio-io', 'networking-istio-io'], subresources: [STATUS('WorkloadGroup')]},
  {group: 'gateway.networking.k8s.io', versions: GATEWAY_API_VERSIONS, plural: 'httproutes', kind: 'HTTPRoute', namespaced: true, categories: ['gateway-api'], subresources: [STATUS('HTTPRoute')]},
  {group: 'gateway.networking.k8s.io', versions: GATEWAY_API_VERSIONS, plural: 'gatewayclasses', kind: 'GatewayClass', namespaced: false, shortNames: ['gc'], categories: ['gateway-api'], subresources: [STATUS('GatewayClass')]},
];

function build(base: Pick<ResourceDef, 'group' | 'plural' | 'kind' | 'namespaced'> & {versions?: readonly string[]; crd: boolean}, d: Details): ResourceDef {
  return {
    group: base.group,
    versions: d.versions ?? base.versions ?? ['v1'],
    plural: base.plural,
    singular: d.singular ?? base.kind.toLowerCase(),
    kind: base.kind,
    namespaced: base.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    verbs: d.verbs ?? (base.crd ? CRD_VERBS : BUILTIN_VERBS),
    subresources: d.subresources ?? [],
    crd: base.crd,
    fieldSelectors: d.fieldSelectors ?? META_FIELDS,
  };
}

/** Every resource the simulator knows, built-in and CRD. */
export const RESOURCES: readonly ResourceDef[] = [
  ...KINDS.map((k) => build({group: k.group, versions: k.versions, plural: k.plural, kind: k.kind, namespaced: k.namespaced, crd: k.optional}, DETAILS[qualifiedName(k)] ?? {})),
  ...EXTRA.map((e) => build({...e, crd: e.group !== '' && e.group !== 'apps'}, e)),
];

/** Groups whose resources are built in: always served. */
export const BUILTIN_GROUPS: readonly string[] = ['', 'apps', 'discovery.k8s.io'];

/** The group's served versions, preferred first (union over its resources, in first-seen order). */
export function groupVersions(resources: readonly ResourceDef[], group: string): string[] {
  const out: string[] = [];
  for (const r of resources) if (r.group === group) for (const v of r.versions) if (!out.includes(v)) out.push(v);
  return out;
}

/** A stable 8-byte hash, as the real server reports per resource. */
export function storageVersionHash(r: ResourceDef): string {
  return createHash('sha256').update(`${r.group}/${r.versions[0]}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

/** Find a resource by plural, `plural.group`, kind or short name (what `sim.object()` takes). */
export function findResource(resources: readonly ResourceDef[], name: string): ResourceDef | undefined {
  const lower = name.toLowerCase();
  return resources.find((r) => qualifiedName(r) === lower) ?? resources.find((r) => r.plural === lower || r.singular === lower || r.shortNames.includes(lower));
}
