import {describe, expect, it} from 'vitest';
import {snapshotFromYaml} from '../support/snapshot.js';

describe('snapshot', () => {
  it('indexes objects by namespace and name and freezes them', () => {
    const s = snapshotFromYaml({
      c1: `
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: b, namespace: ns1}
- apiVersion: v1
  kind: Service
  metadata: {name: a, namespace: ns1}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: dr, namespace: ns1}
spec: {host: a}
---
apiVersion: example.com/v1
kind: Unknown
metadata: {name: x}
`,
    });
    const ctx = s.contexts[0]!;
    expect(ctx.objects.Service.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(ctx.index.get('DestinationRule', 'ns1', 'dr')?.spec.host).toBe('a');
    expect(ctx.index.byNamespace('Service', 'ns2')).toEqual([]);
    expect(Object.isFrozen(ctx.objects.Service[0]!.metadata)).toBe(true);
  });
});
