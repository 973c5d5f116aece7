import {promises as fs} from 'node:fs';
import path from 'node:path';
import {stringify} from 'yaml';
import {KINDS, apiVersionOf} from '../model/kinds.js';
import type {ContextInput} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {BUNDLE_META, type BundleMeta} from './bundle.js';

/** ConfigMaps whose data a bundle keeps: the mesh config and the root certificate (nothing else). */
export const KEPT_CONFIGMAPS = /^(istio(-[a-z0-9-]+)?|istio-ca-root-cert)$/;

/** What a bundle may hold of an object: no Secret data, no other ConfigMap data, no managedFields. */
export function redact(obj: KubeObject): KubeObject {
  const {managedFields: _m, ...metadata} = obj.metadata as KubeObject['metadata'] & {managedFields?: unknown};
  const annotations = {...(metadata.annotations ?? {})};
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  const base = {...obj, metadata: {...metadata, ...(Object.keys(annotations).length ? {annotations} : {annotations: undefined})}} as Record<string, unknown>;
  if (!Object.keys(annotations).length) delete (base.metadata as Record<string, unknown>).annotations;
  if (obj.kind === 'Secret') {
    delete base.data;
    delete base.stringData;
  }
  if (obj.kind === 'ConfigMap' && !KEPT_CONFIGMAPS.test(obj.metadata.name)) {
    delete base.data;
    delete base.binaryData;
  }
  if (obj.kind === 'Pod' || obj.kind === 'Deployment') return redactEnv(base) as KubeObject;
  return base as KubeObject;
}

/** Environment variables whose name says they hold a credential (their value is never needed). */
export const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH)/i;
export const REDACTED = '[redacted by kubectl-failover collect]';

/** Pod and Deployment containers: `env[].value` of credential-looking variables replaced. */
function redactEnv(o: Record<string, unknown>): Record<string, unknown> {
  const fix = (containers: unknown): unknown =>
    Array.isArray(containers)
      ? containers.map((c) => {
          if (!c || typeof c !== 'object' || !Array.isArray((c as {env?: unknown}).env)) return c;
          const env = ((c as {env: unknown[]}).env).map((e) =>
            e && typeof e === 'object' && typeof (e as {name?: unknown}).name === 'string' && SECRET_ENV.test((e as {name: string}).name) && (e as {value?: unknown}).value !== undefined ? {...(e as object), value: REDACTED} : e,
          );
          return {...(c as object), env};
        })
      : containers;
  const podSpec = (spec: unknown): unknown => {
    if (!spec || typeof spec !== 'object') return spec;
    const sp = spec as Record<string, unknown>;
    return {...sp, ...(sp.containers ? {containers: fix(sp.containers)} : {}), ...(sp.initContainers ? {initContainers: fix(sp.initContainers)} : {})};
  };
  if (o.kind === 'Pod') return {...o, spec: podSpec(o.spec)};
  const spec = o.spec as Record<string, unknown> | undefined;
  const template = spec?.template as Record<string, unknown> | undefined;
  if (!template) return o;
  return {...o, spec: {...spec, template: {...template, spec: podSpec(template.spec)}}};
}

/**
 * An Envoy /config_dump without its SecretsConfigDump (certificates, and private keys should an
 * Envoy not redact them): nothing of it is read, and a bundle must not carry credentials. Text
 * that is not JSON is kept as it is (the reader reports it).
 */
export function redactConfigDump(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const configs = doc && typeof doc === 'object' ? (doc as {configs?: unknown}).configs : undefined;
  if (!Array.isArray(configs)) return text;
  const kept = configs.filter((c) => !(c && typeof c === 'object' && typeof (c as Record<string, unknown>)['@type'] === 'string' && /SecretsConfigDump$/.test((c as Record<string, string>)['@type']!)));
  if (kept.length === configs.length) return text;
  return JSON.stringify({...(doc as object), configs: kept}, null, 1);
}

export interface EnvoyCapture {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly files: Readonly<Record<string, string>>; // file name → content
}

/** Write the bundle of PRODUCT.md §3 into `dir` (created). */
export async function writeBundle(dir: string, contexts: readonly ContextInput[], meta: BundleMeta, envoy: readonly EnvoyCapture[] = []): Promise<{files: number; objects: number}> {
  await fs.mkdir(dir, {recursive: true});
  let files = 0;
  let objects = 0;
  for (const c of contexts) {
    const cdir = path.join(dir, safeName(c.name));
    await fs.mkdir(cdir, {recursive: true});
    for (const info of KINDS) {
      const list = c.objects[info.key];
      if (!list || list.length === 0) continue;
      const doc = {apiVersion: 'v1', kind: 'List', items: list.map((o) => redact({...o, apiVersion: o.apiVersion ?? apiVersionOf(info), kind: o.kind ?? info.kind}))};
      const name = `${info.plural}${info.group ? `.${info.group}` : ''}.yaml`;
      await fs.writeFile(path.join(cdir, name), stringify(doc, {lineWidth: 0, aliasDuplicateObjects: false}));
      files++;
      objects += list.length;
    }
  }
  for (const e of envoy) {
    const edir = path.join(dir, safeName(e.context), 'envoy', safeName(e.namespace), safeName(e.pod));
    await fs.mkdir(edir, {recursive: true});
    for (const [name, content] of Object.entries(e.files)) {
      await fs.writeFile(path.join(edir, safeName(name)), /^config_dump/i.test(name) ? redactConfigDump(content) : content);
      files++;
    }
  }
  await fs.writeFile(path.join(dir, BUNDLE_META), stringify(meta));
  return {files: files + 1, objects};
}

/** Context and object names become folder names: keep them to one safe path segment. */
export function safeName(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._@-]/g, '_');
  return cleaned === '.' || cleaned === '..' || cleaned === '' ? `_${cleaned}` : cleaned;
}
