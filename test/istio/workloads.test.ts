import {describe, expect, it} from 'vitest';
import {workloadEntryLocality} from '../../src/istio/locality.js';
import {workloadEntriesOfService, workloadEntryLabels} from '../../src/istio/workloads.js';
import {snapshotFromYaml} from '../support/snapshot.js';

describe('WorkloadEntry labels (ConvertWorkloadEntry: metadata merged over spec)', () => {
  const s = snapshotFromYaml({
    c1: `apiVersion: v1
kind: Service
metadata: {name: details, namespace: bookinfo}
spec: {selector: {app: details}, ports: [{port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: k-details, namespace: bookinfo, labels: {app: details, topology.istio.io/locality: us-west.us-west-2a}}
spec: {address: 12.34.56.78, labels: {app: spec-value, version: v1}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other, namespace: bookinfo}
spec: {address: 12.34.56.79, labels: {app: ratings}}
`,
  });
  const ctx = s.contexts[0]!;
  it('selects by metadata labels too, metadata taking precedence over spec.labels', () => {
    const we = ctx.index.get('WorkloadEntry', 'bookinfo', 'k-details')!;
    expect(workloadEntryLabels(we)).toEqual({app: 'details', version: 'v1', 'topology.istio.io/locality': 'us-west.us-west-2a'});
    expect(workloadEntriesOfService(ctx, ctx.index.get('Service', 'bookinfo', 'details')!).map((w) => w.metadata.name)).toEqual(['k-details']);
    expect(workloadEntryLocality(we)).toEqual({region: 'us-west', zone: 'us-west-2a', subZone: ''});
  });
});
