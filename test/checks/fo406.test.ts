import {X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {fo406} from '../../src/checks/fo406-trust-root-mismatch.js';
import {keysOf, snapshotFromYaml, type ContextYaml} from '../support/snapshot.js';
import {ROOT_A, ROOT_B, rootCertConfigMap} from './fo40-fixtures.js';

const NOT_A_CERT_1 = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
const NOT_A_CERT_2 = '-----BEGIN CERTIFICATE-----\nYW5vdGhlciBub24tY2VydA==\n-----END CERTIFICATE-----\n';

const cases: {name: string; contexts: Record<string, string | ContextYaml>; expect: string[]}[] = [
  {name: 'same root in both', contexts: {cluster1: rootCertConfigMap(ROOT_A), cluster2: rootCertConfigMap(ROOT_A)}, expect: []},
  {name: 'different roots: symmetric, both contexts', contexts: {cluster1: rootCertConfigMap(ROOT_A), cluster2: rootCertConfigMap(ROOT_B)}, expect: ['FO406 ConfigMap istio-system/istio-ca-root-cert @cluster1', 'FO406 ConfigMap istio-system/istio-ca-root-cert @cluster2']},
  {name: 'bundles that overlap (root rotation in progress)', contexts: {cluster1: rootCertConfigMap(ROOT_A, ROOT_B), cluster2: rootCertConfigMap(ROOT_B)}, expect: []},
  {
    name: 'same certificate, different whitespace and line endings: compared parsed',
    contexts: {cluster1: rootCertConfigMap(ROOT_A), cluster2: rootCertConfigMap(`\n${ROOT_A.replace(/\n/g, '\r\n')}\n`)},
    expect: [],
  },
  {name: 'one context: nothing to compare', contexts: {cluster1: rootCertConfigMap(ROOT_A)}, expect: []},
  {name: 'the ConfigMap is missing in one context: cannot compare', contexts: {cluster1: rootCertConfigMap(ROOT_A), cluster2: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-system}'}, expect: []},
  {name: 'unparsable PEM, same text: equal', contexts: {cluster1: rootCertConfigMap(NOT_A_CERT_1), cluster2: rootCertConfigMap(NOT_A_CERT_1)}, expect: []},
  {name: 'unparsable PEM, different text', contexts: {cluster1: rootCertConfigMap(NOT_A_CERT_1), cluster2: rootCertConfigMap(NOT_A_CERT_2)}, expect: ['FO406 ConfigMap istio-system/istio-ca-root-cert @cluster1', 'FO406 ConfigMap istio-system/istio-ca-root-cert @cluster2']},
  {
    name: 'three contexts: trust is not transitive, the pair that shares nothing is reported on both sides',
    contexts: {cluster1: rootCertConfigMap(ROOT_A, ROOT_B), cluster2: rootCertConfigMap(ROOT_A), cluster3: rootCertConfigMap(ROOT_B)},
    expect: ['FO406 ConfigMap istio-system/istio-ca-root-cert @cluster2', 'FO406 ConfigMap istio-system/istio-ca-root-cert @cluster3'],
  },
  {
    name: 'the Istio namespace is honoured',
    contexts: {
      cluster1: {yaml: rootCertConfigMap(ROOT_A).replace('istio-system', 'mesh-system'), istioNamespace: 'mesh-system'},
      cluster2: {yaml: rootCertConfigMap(ROOT_B).replace('istio-system', 'mesh-system'), istioNamespace: 'mesh-system'},
    },
    expect: ['FO406 ConfigMap mesh-system/istio-ca-root-cert @cluster1', 'FO406 ConfigMap mesh-system/istio-ca-root-cert @cluster2'],
  },
];

describe('FO406 trust-root-mismatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo406.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('names both roots by fingerprint and gives the plug-in CA commands', () => {
    const withIstiod = `${rootCertConfigMap(ROOT_B)}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: istiod, namespace: istio-system}\nspec: {template: {spec: {containers: [{name: discovery}]}}}`;
    const f = fo406.run(snapshotFromYaml({cluster1: rootCertConfigMap(ROOT_A), cluster2: withIstiod})).find((x) => x.context === 'cluster2');
    const fpA = new X509Certificate(ROOT_A).fingerprint256;
    const fpB = new X509Certificate(ROOT_B).fingerprint256;
    expect(f!.details).toMatchObject({context: 'cluster2', peers: ['cluster1'], fingerprints: [fpB], peerFingerprints: {cluster1: [fpA]}, unparsable: 0});
    expect(f!.message).toContain('Root CA a');
    expect(f!.message).toContain('Root CA b');
    expect(f!.remediation!.commands).toEqual([
      'make -f "${ISTIO_HOME:?set ISTIO_HOME to an Istio release directory}"/tools/certs/Makefile.selfsigned.mk cluster2-cacerts',
      'kubectl --context cluster2 -n istio-system create secret generic cacerts --from-file=cluster2/ca-cert.pem --from-file=cluster2/ca-key.pem --from-file=cluster2/root-cert.pem --from-file=cluster2/cert-chain.pem',
      'kubectl --context cluster2 -n istio-system rollout restart deployment/istiod',
    ]);
  });
});
