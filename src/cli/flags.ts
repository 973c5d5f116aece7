import {Flags} from '@oclif/core';

// In its own module, without oclif (doctor's fast start uses it).
export {parseDuration} from './duration.js';

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
