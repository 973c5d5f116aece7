/** A kubeconfig for the simulated contexts, as `kind` or a cloud CLI would write one. */
import {stringify} from 'yaml';
import type {KubeconfigOptions, SimContextInfo} from './types.js';

/**
 * One cluster, user and context per simulated context. Cluster and user names differ from the
 * context name (`sim-NAME`, `sim-NAME-user`) so code that mixes them up is caught.
 */
export function kubeconfigYaml(contexts: readonly SimContextInfo[], caPem: string, opts: KubeconfigOptions = {}): string {
  const current = opts.currentContext ?? contexts[0]?.name ?? '';
  if (!contexts.some((c) => c.name === current)) throw new Error(`kubeconfig: no simulated context named "${current}"`);
  const caData = Buffer.from(caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: contexts.map((c) => ({name: `sim-${c.name}`, cluster: {server: c.server, 'certificate-authority-data': caData}})),
    users: contexts.map((c) => ({name: `sim-${c.name}-user`, user: {token: c.token}})),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: {cluster: `sim-${c.name}`, user: `sim-${c.name}-user`, ...(opts.namespace ? {namespace: opts.namespace} : {})},
    })),
    'current-context': current,
  });
}
