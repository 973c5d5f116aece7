/**
 * The example of seed 002 (an external database behind a DNS ServiceEntry `mydb.com` with two
 * regional endpoints, and its DestinationRule `mydynamodb`), which several checks' documentation
 * shows with one part changed. One place for the common YAML; each check says what differs.
 */

export const EXTERNAL_DB = {
  /** `ports:` of an HTTP port. */
  httpPort: '[{number: 80, name: http, protocol: HTTP}]',
  /** `ports:` of the seed: HTTP on 80 sent to 443 (TLS origination needed). */
  httpTo443: '[{number: 80, name: http-port, protocol: HTTP, targetPort: 443}]',
  /** `endpoints:` without localities. */
  endpointsNoLocality: ['address: dynamodb.us-east-1.amazonaws.com', 'address: dynamodb.us-west-1.amazonaws.com'],
  /** `endpoints:` with localities (the east one can be given another spelling). */
  endpoints: (east = 'us-east1'): string[] => [
    `{address: dynamodb.us-east-1.amazonaws.com, locality: ${east}}`,
    '{address: dynamodb.us-west-1.amazonaws.com, locality: us-west}',
  ],
  outlierDetection: 'outlierDetection: {consecutive5xxErrors: 1, interval: 15s, baseEjectionTime: 1m}',
} as const;

export function externalDbExample(o: {
  /** YAML documents put first (each ending with `---`). */
  before?: string;
  /** Write `location: MESH_EXTERNAL`. */
  meshExternal?: boolean;
  ports: string;
  endpoints: readonly string[];
  /** Lines under `trafficPolicy:` (indented by the function). */
  trafficPolicy: readonly string[];
}): string {
  return (
    (o.before ?? '') +
    'apiVersion: networking.istio.io/v1\n' +
    'kind: ServiceEntry\n' +
    'metadata:\n' +
    '  name: external-svc-dns\n' +
    '  namespace: default\n' +
    'spec:\n' +
    '  hosts: [mydb.com]\n' +
    (o.meshExternal ? '  location: MESH_EXTERNAL\n' : '') +
    `  ports: ${o.ports}\n` +
    '  resolution: DNS\n' +
    '  endpoints:\n' +
    o.endpoints.map((e) => `  - ${e}\n`).join('') +
    '---\n' +
    'apiVersion: networking.istio.io/v1\n' +
    'kind: DestinationRule\n' +
    'metadata:\n' +
    '  name: mydynamodb\n' +
    '  namespace: default\n' +
    'spec:\n' +
    '  host: mydb.com\n' +
    '  trafficPolicy:\n' +
    o.trafficPolicy.map((l) => `    ${l}\n`).join('')
  );
}
