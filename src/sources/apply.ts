import http from 'node:http';
import https from 'node:https';
import {KINDS} from '../model/kinds.js';
import type {ObjectRef, PatchSpec} from '../model/types.js';
import {HttpError, networkMessage, requestJson, type Transport} from './http.js';
import {UserError} from './errors.js';

/** The REST path of one object, from the kinds table. */
export function objectPath(ref: ObjectRef): string {
  const slash = ref.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
  const info = KINDS.find((k) => k.kind === ref.kind && k.group === group);
  if (!info) throw new UserError(`cannot patch ${ref.kind} (${ref.apiVersion}): not a kind this tool knows`);
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = info.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace ?? 'default')}` : '';
  return `${prefix}${ns}/${info.plural}/${encodeURIComponent(ref.name)}`;
}

const CONTENT_TYPE: Record<PatchSpec['type'], string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export async function getObject(t: Transport, ref: ObjectRef): Promise<unknown> {
  return requestJson(t, objectPath(ref));
}

/** PATCH one object; `dryRun` asks the server to validate without persisting (dryRun=All). */
export function patchObject(t: Transport, ref: ObjectRef, patch: PatchSpec, dryRun: boolean): Promise<unknown> {
  const url = new URL(t.server + objectPath(ref) + (dryRun ? '?dryRun=All&fieldManager=kubectl-failover' : '?fieldManager=kubectl-failover'));
  const lib = url.protocol === 'http:' ? http : https;
  const body = JSON.stringify(patch.body);
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {...t.options, method: 'PATCH', headers: {...(t.options.headers ?? {}), 'Content-Type': CONTENT_TYPE[patch.type], Accept: 'application/json', 'Content-Length': Buffer.byteLength(body)}},
      (res: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(JSON.parse(text));
            } catch {
              resolve(undefined);
            }
            return;
          }
          let msg = `HTTP ${status}`;
          try {
            msg = (JSON.parse(text) as {message?: string}).message ?? msg;
          } catch {
            /* keep */
          }
          reject(new HttpError(status, msg));
        });
      },
    );
    req.setTimeout(t.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), {code: 'REQUEST_TIMEOUT'})));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(networkMessage(e, t.server, t.timeoutMs))));
    req.end(body);
  });
}
