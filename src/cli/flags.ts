import {Flags} from '@oclif/core';
import {UserError} from '../sources/errors.js';

/** The conventions every command follows (PRODUCT.md §2). */
export const commonFlags = {
  context: Flags.string({description: 'kubeconfig context to read (repeatable: several clusters at once); default the current one', multiple: true}),
  kubeconfig: Flags.string({description: 'path to the kubeconfig file'}),
  namespace: Flags.string({char: 'n', description: 'only report on this namespace (repeatable)', multiple: true}),
  'all-namespaces': Flags.boolean({char: 'A', description: 'report on every namespace (the default when no -n is given)'}),
  output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json', 'yaml', 'markdown'], default: 'table'}),
  bundle: Flags.string({description: 'read a support bundle (directory or .tar.gz) instead of a live cluster'}),
  'request-timeout': Flags.string({description: 'time to wait for each API request (e.g. 10s, 1m); 0 = no limit', default: '30s'}),
  'istio-namespace': Flags.string({char: 'i', description: 'Istio system namespace', default: 'istio-system'}),
};

/** kubectl's --request-timeout: a duration (500ms, 10s, 1m, 1h) or bare seconds; 0 means no limit. */
export function parseDuration(s: string, flag = '--request-timeout'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UserError(`${flag}: invalid duration "${s}" (use e.g. 10s, 1m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms === 0 ? 2_147_483_647 : ms;
}
