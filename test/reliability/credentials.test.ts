/**
 * Credentials never appear in output, logs, errors or bundles: the kubeconfig's token (also on
 * failing runs with KUBECTL_FAILOVER_DEBUG=1, which prints stack traces), a remote secret's
 * kubeconfig (data, stringData and a last-applied annotation), credential-looking pod env values,
 * and Envoy's SecretsConfigDump — through doctor (every format), explain and collect (folder and
 * .tar.gz).
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {pluginSandbox, ROOT} from '../support/cli.js';
import {addContexts, otherCaPem} from '../support/sim/faults-extra.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';
import {cli, tmp} from './support.js';

const sb = pluginSandbox();

describe.concurrent("credentials never appear in output, errors, debug traces or bundles", () => {
  const T_REMOTE = 'remote-secret-token-7b1e0c';
  const T_ENV = 'pod-env-password-5d2a91';
  const T_ENVOY = 'envoy-private-key-8c3f42';
  const T_BAD = 'wrong-token-should-never-print-1f9a';
  let s: SimCluster;
  let kc: string;
  let token: string;
  const remoteKubeconfig = `apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: ${T_REMOTE}}}]\n`;
  beforeAll(async () => {
    const configDump = {
      configs: [
        {'@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {node: {id: 'sidecar~10.0.0.1~web-1.sample~sample.svc.cluster.local', locality: {region: 'r1'}}}},
        {'@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', dynamic_active_secrets: [{name: 'default', secret: {tls_certificate: {private_key: {inline_string: T_ENVOY}}}}]},
      ],
    };
    s = await startSimCluster({
      contexts: [
        {
          name: 'c1',
          bundleDir: path.join(ROOT, 'test/support/sim/fixtures/basic/cluster1'),
          objects: [
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: {
                name: 'istio-remote-secret-c9',
                namespace: 'istio-system',
                labels: {'istio/multiCluster': 'true'},
                annotations: {'networking.istio.io/cluster': 'c9', 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({stringData: {c9: remoteKubeconfig}})},
              },
              stringData: {c9: remoteKubeconfig},
              data: {c9: Buffer.from(remoteKubeconfig).toString('base64')},
            },
            {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'leaky', namespace: 'sample', labels: {app: 'leaky'}}, spec: {nodeName: 'n1', containers: [{name: 'app', image: 'x', env: [{name: 'DB_PASSWORD', value: T_ENV}, {name: 'API_TOKEN', value: T_ENV}]}]}},
          ],
          envoy: [
            {
              namespace: 'sample',
              pod: 'helloworld-v1-1',
              files: {
                'clusters.json': readFileSync(path.join(ROOT, 'test/support/sim/fixtures/basic/cluster1/envoy/sample/helloworld-v1-1/clusters.json'), 'utf8'),
                'config_dump.json': JSON.stringify(configDump),
              },
            },
          ],
        },
      ],
    });
    token = s.contexts[0]!.token;
    const dir = tmp('kf-creds-');
    kc = path.join(dir, 'kubeconfig');
    writeFileSync(kc, addContexts(s.kubeconfig(), [{name: 'bad-token', server: s.contexts[0]!.server, token: T_BAD}, {name: 'wrong-ca', server: s.contexts[0]!.server, caPem: otherCaPem(), token}]), {mode: 0o600});
  });
  afterAll(async () => {
    await s?.close();
  });

  const secrets = (): string[] => [token, T_REMOTE, T_ENV, T_ENVOY, T_BAD, Buffer.from(remoteKubeconfig).toString('base64')];

  function expectClean(what: string, text: string): void {
    for (const x of secrets()) expect(text.includes(x), `${x} in ${what}`).toBe(false);
  }

  function filesOf(dir: string): string[] {
    return readdirSync(dir, {recursive: true, withFileTypes: true})
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  }

  it('doctor (every format), explain, and failing runs with KUBECTL_FAILOVER_DEBUG=1', async () => {
    const env = {...sb.env, KUBECTL_FAILOVER_DEBUG: '1'};
    for (const format of ['table', 'json', 'yaml', 'markdown']) {
      const r = await cli(['doctor', '--kubeconfig', kc, '--context', 'c1', '-o', format, '--from', 'sample/helloworld-v1-1'], env);
      expect(r.code, r.stderr).toBeLessThan(2);
      expectClean(`doctor -o ${format}`, r.stdout + r.stderr);
    }
    for (const [ctx, code] of [['bad-token', 3], ['wrong-ca', 3]] as const) {
      const r = await cli(['doctor', '--kubeconfig', kc, '--context', ctx], env);
      expect(r.code).toBe(code);
      expectClean(`doctor --context ${ctx}`, r.stdout + r.stderr);
    }
    const e = await cli(['explain', 'helloworld', '-n', 'sample', '--kubeconfig', kc, '--context', 'c1', '--from', 'sample/helloworld-v1-1', '-o', 'json'], env);
    expectClean('explain', e.stdout + e.stderr);
  });

  it('collect: neither the folder nor the .tar.gz holds a token, a secret value or an Envoy key', async () => {
    const dir = tmp('kf-collect-');
    const out = path.join(dir, 'bundle');
    const r = await cli(['collect', '--kubeconfig', kc, '--context', 'c1', '--from', 'sample/helloworld-v1-1', '-o', out], sb.env);
    expect(r.code, r.stderr).toBe(0);
    expectClean('collect output', r.stdout + r.stderr);
    const files = filesOf(out);
    expect(files.some((f) => f.endsWith('config_dump.json'))).toBe(true);
    for (const f of files) expectClean(f, readFileSync(f, 'utf8'));
    // The redaction keeps what the checks need: the remote secret's metadata and the pod.
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(all).toContain('istio-remote-secret-c9');
    expect(all).toContain('leaky');
    expect(all).toContain('DB_PASSWORD');

    const tgz = path.join(dir, 'b.tar.gz');
    const t = await cli(['collect', '--kubeconfig', kc, '--context', 'c1', '--from', 'sample/helloworld-v1-1', '-o', tgz], sb.env);
    expect(t.code, t.stderr).toBe(0);
    expect(statSync(tgz).size).toBeGreaterThan(0);
    const x = path.join(dir, 'x');
    mkdirSync(x);
    expect(spawnSync('tar', ['xzf', tgz, '-C', x]).status).toBe(0);
    for (const f of filesOf(x)) expectClean(f, readFileSync(f, 'utf8'));
    expect(existsSync(path.join(x, 'bundle', 'bundle.yaml'))).toBe(true);
  });
});
