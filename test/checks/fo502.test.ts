import {describe, expect, it} from 'vitest';
import {fo502} from '../../src/checks/fo502-dns-round-robin-multi-endpoint.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

const y = (...docs: string[]): string => docs.join('\n---\n');

/** Seed 002's ServiceEntry with a chosen resolution and endpoints. */
function se(resolution: string, endpoints: string[], opts: {apiVersion?: string; selector?: string} = {}): string {
  const eps = endpoints.length
    ? `  endpoints:\n${endpoints.map((a) => `  - address: ${a}`).join('\n')}\n`
    : '';
  return `apiVersion: ${opts.apiVersion ?? 'networking.istio.io/v1beta1'}
kind: ServiceEntry
metadata:
  name: external-svc-dns
  namespace: default
spec:
  hosts:
  - mydb.com
  location: MESH_EXTERNAL
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: ${resolution}
${eps}${opts.selector ? `  workloadSelector:\n    labels:\n      app: ${opts.selector}\n` : ''}`;
}

function we(name: string, address: string, app: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: default
  labels: {app: ${app}}
spec:
  address: ${address}`;
}

const KEY = 'FO502 ServiceEntry default/external-svc-dns @cluster1';
const TWO = ['dynamodb.us-east-1.amazonaws.com', 'dynamodb.us-west-1.amazonaws.com'];

const cases: {name: string; yaml: string; expect: string[]}[] = [
  {name: 'seed 002 with DNS_ROUND_ROBIN and its two endpoints → error', yaml: se('DNS_ROUND_ROBIN', TWO), expect: [KEY]},
  {name: 'seed 002 as written (resolution DNS) → nothing', yaml: se('DNS', TWO), expect: []},
  {name: 'DNS_ROUND_ROBIN with one endpoint → nothing', yaml: se('DNS_ROUND_ROBIN', [TWO[0]!]), expect: []},
  {name: 'DNS_ROUND_ROBIN without endpoints (the host itself) → nothing', yaml: se('DNS_ROUND_ROBIN', []), expect: []},
  {name: 'STATIC with two IP endpoints → nothing', yaml: se('STATIC', ['10.0.0.1', '10.0.0.2']), expect: []},
  {name: 'v1 object, three endpoints → error', yaml: se('DNS_ROUND_ROBIN', [...TWO, 'dynamodb.eu-west-1.amazonaws.com'], {apiVersion: 'networking.istio.io/v1'}), expect: [KEY]},
  {
    name: 'DNS_ROUND_ROBIN selecting two WorkloadEntries (the webhook does not see them) → error',
    yaml: y(se('DNS_ROUND_ROBIN', [], {selector: 'db'}), we('db-east', TWO[0]!, 'db'), we('db-west', TWO[1]!, 'db')),
    expect: [KEY],
  },
  {
    name: 'DNS_ROUND_ROBIN selecting one WorkloadEntry (another has other labels) → nothing',
    yaml: y(se('DNS_ROUND_ROBIN', [], {selector: 'db'}), we('db-east', TWO[0]!, 'db'), we('other', TWO[1]!, 'other')),
    expect: [],
  },
];

describe('FO502 dns-round-robin-multi-endpoint', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo502.run(snapshotFromYaml({cluster1: c.yaml})))).toEqual(c.expect);
    });
  }

  it('remediation: merge patch spec.resolution DNS of the ServiceEntry', () => {
    const [f] = fo502.run(snapshotFromYaml({cluster1: se('DNS_ROUND_ROBIN', TWO)}));
    expect(f!.severity).toBe('error');
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {resolution: 'DNS'}}});
    expect(f!.remediation!.commands).toEqual([
      `kubectl --context cluster1 -n default patch serviceentry external-svc-dns --type merge -p '{"spec":{"resolution":"DNS"}}'`,
    ]);
    expect(f!.details).toMatchObject({endpoints: 2, inlineEndpoints: 2, selectedEndpoints: 0});
    expect(f!.message).toContain('dynamodb.us-west-1.amazonaws.com');
  });

  it('the docs examples: bad fires, good does not', () => {
    const {bad, good} = fo502.meta.examples!;
    expect(fo502.run(snapshotFromYaml({cluster1: bad!})).length).toBeGreaterThan(0);
    expect(fo502.run(snapshotFromYaml({cluster1: good!}))).toEqual([]);
  });
});
