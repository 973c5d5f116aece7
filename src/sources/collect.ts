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
  return base as KubeObject;
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
      await fs.writeFile(path.join(edir, name), content);
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
