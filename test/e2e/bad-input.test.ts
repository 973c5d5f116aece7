import {mkdirSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN, pluginSandbox, run} from '../support/cli.js';

/** Bad input of every kind: one clear line on stderr, the exit code of PRODUCT.md §2, never a stack trace. */
const sb = pluginSandbox();

function kubeconfig(name: string, server: string): string {
  const file = path.join(sb.home, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: secret-token-should-never-print}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`,
  );
  return file;
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  const errLines = lines.filter((l) => l.startsWith('error:'));
  expect(errLines, stderr).toHaveLength(1);
  expect(errLines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/); // no stack trace
  expect(stderr).not.toContain('secret-token-should-never-print');
}

let stall: net.Server;
let stallPort = 0;
beforeAll(async () => {
  // A server that accepts connections and never answers: --request-timeout must end the wait.
  stall = net.createServer(() => {});
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', () => r()));
  stallPort = (stall.address() as net.AddressInfo).port;
});
afterAll(() => stall.close());

describe('bad input', () => {
  it('no kubeconfig at all → exit 2 with a hint about --bundle', async () => {
    const r = await run(BIN, ['doctor'], {...sb.env, KUBECONFIG: path.join(sb.home, 'missing')});
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /kubeconfig/);
  });

  it('an unknown context → exit 2 naming the available ones', async () => {
    const r = await run(BIN, ['doctor', '--kubeconfig', kubeconfig('k1', 'https://127.0.0.1:1'), '--context', 'nope'], sb.env);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /context "nope" not found.*available: ctx/);
  });

  it('a server that refuses connections → exit 3', async () => {
    const r = await run(BIN, ['doctor', '--kubeconfig', kubeconfig('k2', 'https://127.0.0.1:1')], sb.env);
    expect(r.code).toBe(3);
    expectOneLine(r.stderr, /ctx.*connection refused/);
  });

  it('a server that stalls → exit 3 after --request-timeout', async () => {
    const t0 = Date.now();
    const r = await run(BIN, ['doctor', '--kubeconfig', kubeconfig('k3', `https://127.0.0.1:${stallPort}`), '--request-timeout', '1s'], sb.env, 30_000);
    expect(r.code).toBe(3);
    expectOneLine(r.stderr, /within 1s/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a bundle path that does not exist → exit 2', async () => {
    const r = await run(BIN, ['doctor', '--bundle', path.join(sb.home, 'nope')], sb.env);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /no such file or directory/);
  });

  it('a malformed YAML document names the file and line, and the other documents are still read', async () => {
    const dir = path.join(sb.home, 'badyaml', 'c1');
    mkdirSync(dir, {recursive: true});
    writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sample}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  namespace: [oops\n---\napiVersion: example.com/v1\nkind: Whatever\nmetadata: {name: ignored}\n');
    const r = await run(BIN, ['doctor', '--bundle', path.dirname(dir), '-o', 'json'], sb.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: c1\/a\.yaml:\d+: /m);
    const doc = JSON.parse(r.stdout) as {contexts: string[]};
    expect(doc.contexts).toEqual(['c1']);
  });

  it('an unknown flag or a bad option value → exit 2, one line', async () => {
    const a = await run(BIN, ['doctor', '--bogus'], sb.env);
    expect(a.code).toBe(2);
    expectOneLine(a.stderr, /--bogus/);
    const b = await run(BIN, ['doctor', '-o', 'xml'], sb.env);
    expect(b.code).toBe(2);
    expectOneLine(b.stderr, /table, json, yaml, markdown/);
    const c = await run(BIN, ['doctor', '--request-timeout', 'soon'], sb.env);
    expect(c.code).toBe(2);
    expectOneLine(c.stderr, /invalid duration/);
  });
});
