/**
 * API faults, through the real CLI against the simulated cluster (one simulator per case, faults
 * switched per test): connection refused, TLS errors, a stalled server, 429 and 5xx with
 * Retry-After, connections reset before and in the middle of an answer, a failed API discovery,
 * credentials rejected, and one context of several unreachable. Each case: the exit code of
 * PRODUCT.md §2, one-line messages, and findings that never rest on data that was not read.
 */
import path from 'node:path';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RETRY} from '../../src/sources/http.js';
import {commonFlags} from '../../src/cli/flags.js';
import {pluginSandbox} from '../support/cli.js';
import {startSimCluster, type SimCluster, type SimOptions} from '../support/sim/index.js';
import {addContexts, closedPort, otherCaPem, scriptedList} from '../support/sim/faults-extra.js';
import {cli, expectNothingRestsOn, expectOneErrorLine, FIXTURES, keys, parseDoc, type DoctorDoc} from './support.js';

const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

/** Two contexts whose FO102 findings both need Pods: exit 1 when everything is read. */
const TWO = path.join(FIXTURES, 'seed000-as-written/bundle');
/** The same mesh done right: no finding, exit 0. */
const TWO_RIGHT = path.join(FIXTURES, 'seed000-right/bundle');

let n = 0;
async function sim(bundle: string, extra: {faults?: Record<string, SimOptions['contexts'][number]['faults']>; routes?: SimOptions['routes']} = {}): Promise<{sim: SimCluster; kubeconfig: string}> {
  const s = await startSimCluster({
    contexts: ['cluster1', 'cluster2'].map((name) => ({name, bundleDir: path.join(bundle, name), ...(extra.faults?.[name] ? {faults: extra.faults[name]} : {})})),
    ...(extra.routes ? {routes: extra.routes} : {}),
  });
  sims.push(s);
  const kubeconfig = path.join(sb.home, `kubeconfig-${++n}`);
  writeFileSync(kubeconfig, s.kubeconfig(), {mode: 0o600});
  return {sim: s, kubeconfig};
}

async function doctor(kubeconfig: string, contexts: readonly string[], more: readonly string[] = []) {
  return cli(['doctor', '--kubeconfig', kubeconfig, ...contexts.flatMap((c) => ['--context', c]), '-o', 'json', ...more], sb.env);
}

const podLists = (s: SimCluster, ctx: string) => s.requests.filter((r) => r.context === ctx && r.path === '/api/v1/pods');

let baseline: DoctorDoc;
beforeAll(async () => {
  const {kubeconfig} = await sim(TWO);
  const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
  expect(r.code, r.stderr).toBe(1);
  baseline = parseDoc(r);
  // The cases below rely on findings of a check that needs Pods in cluster1.
  expect(keys(baseline).filter((k) => k.startsWith('FO102') && k.endsWith('@cluster1'))).toHaveLength(1);
});

/**
 * A partial read never adds a finding: what is reported is part of the fault-free report (checks
 * that compare contexts see only the contexts where their kinds were read), and the exit code
 * follows what is reported.
 */
function expectPartOfBaseline(doc: DoctorDoc, code: number): void {
  const base = new Set(keys(baseline));
  expect(keys(doc).filter((k) => !base.has(k)), 'findings the fault-free run does not have').toEqual([]);
  expect(code).toBe(doc.findings.some((f) => f.severity === 'error') ? 1 : 0);
}

describe.concurrent('API faults (real CLI, simulated cluster)', () => {
  it('connection refused: the only context → exit 3, one line naming the context', async () => {
    const {kubeconfig} = await sim(TWO_RIGHT);
    const port = await closedPort();
    writeFileSync(kubeconfig, addContexts(readFileSync(kubeconfig, 'utf8'), [{name: 'dead', server: `https://127.0.0.1:${port}`}]));
    const r = await doctor(kubeconfig, ['dead']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.stderr, /context dead: connection refused by https:\/\/127\.0\.0\.1:\d+/, ['token-of-dead']);
    expect(r.stdout).toBe('');
  });

  it('TLS error (the kubeconfig trusts another CA) → exit 3, one line pointing at certificate-authority', async () => {
    const {sim: s, kubeconfig} = await sim(TWO_RIGHT);
    const token = s.contexts[0]!.token;
    writeFileSync(kubeconfig, addContexts(readFileSync(kubeconfig, 'utf8'), [{name: 'wrong-ca', server: s.contexts[0]!.server, caPem: otherCaPem(), token}]));
    const r = await doctor(kubeconfig, ['wrong-ca']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.stderr, /context wrong-ca: TLS error talking to https:\/\/127\.0\.0\.1:\d+: .*certificate.*\(check the kubeconfig's certificate-authority\)/, [token]);
    // The handshake failed: no request reached the server, so none carried the token.
    expect(s.requests.filter((q) => q.auth === 'ok' && q.context === 'cluster1')).toEqual([]);
  });

  it('a server that stalls → exit 3 after --request-timeout, not later; the default timeout is finite', async () => {
    const {kubeconfig} = await sim(TWO_RIGHT, {faults: {cluster1: {delayMs: 120_000}}});
    const r = await doctor(kubeconfig, ['cluster1'], ['--request-timeout', '1s']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.stderr, /context cluster1: no answer from https:\/\/127\.0\.0\.1:\d+ within 1s \(--request-timeout\)/);
    expect(r.ms).toBeLessThan(15_000);
    expect(commonFlags['request-timeout'].default).toBe('30s');
  });

  it('one kind stalls → that kind is unread (note, skipped checks); the rest is analysed', async () => {
    const {kubeconfig} = await sim(TWO, {faults: {cluster1: {delayMs: 120_000, match: '/api/v1/pods'}}});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2'], ['--request-timeout', '1s']);
    const doc = parseDoc(r);
    expect(doc.contexts).toEqual(['cluster1', 'cluster2']);
    expectNothingRestsOn(doc, 'cluster1', ['Pod']);
    expect(r.stderr).toMatch(/^note: context cluster1: pods not read \(no answer from .* within 1s \(--request-timeout\)\); the checks that need them are skipped$/m);
    expectPartOfBaseline(doc, r.code);
    expect(r.ms).toBeLessThan(20_000);
  });

  it('429 with Retry-After: waits as asked, retries, and the report is the fault-free one', async () => {
    const {sim: s, kubeconfig} = await sim(TWO, {faults: {cluster1: {status: 429, match: '/api/v1/pods', times: 2}}});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    expect(r.code).toBe(1);
    const doc = parseDoc(r);
    expect(keys(doc)).toEqual(keys(baseline));
    expect(doc.skipped).toEqual(baseline.skipped);
    const tries = podLists(s, 'cluster1');
    expect(tries.map((q) => q.status)).toEqual([429, 429, 200]);
    // The simulated 429 says Retry-After: 1 → about a second between tries.
    expect(tries[1]!.time - tries[0]!.time).toBeGreaterThanOrEqual(900);
    expect(tries[2]!.time - tries[1]!.time).toBeGreaterThanOrEqual(900);
  });

  it('503 with Retry-After: retried, the report is the fault-free one', async () => {
    const script = scriptedList('pods', (i) => (i < 2 ? {status: 503, retryAfter: '1'} : 'pass'));
    const {kubeconfig} = await sim(TWO, {routes: [script.route]});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    expect(r.code).toBe(1);
    expect(keys(parseDoc(r))).toEqual(keys(baseline));
    expect(script.calls.filter((c) => c.action.includes('503'))).toHaveLength(2);
  });

  it('a 5xx that never ends: bounded retries, then the kind is unread and its checks skipped', async () => {
    const {sim: s, kubeconfig} = await sim(TWO, {faults: {cluster1: {status: 503, match: '/api/v1/pods'}}});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    const doc = parseDoc(r);
    expect(podLists(s, 'cluster1')).toHaveLength(RETRY.maxAttempts);
    expectNothingRestsOn(doc, 'cluster1', ['Pod']);
    expect(r.stderr).toMatch(new RegExp(`^note: context cluster1: pods not read \\(503 .*gave up after ${RETRY.maxAttempts} tries\\)`, 'm'));
    expectPartOfBaseline(doc, r.code);
  });

  it('Retry-After longer than the tool waits: gives up at once and says why', async () => {
    const script = scriptedList('pods', () => ({status: 429, retryAfter: '3600'}));
    const {kubeconfig} = await sim(TWO, {routes: [script.route]});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    const doc = parseDoc(r);
    expect(script.calls.length).toBe(2); // one per context, no retry
    expect(r.stderr).toMatch(/pods not read \(429 .*the server asked to retry after 3600s/);
    expectNothingRestsOn(doc, 'cluster1', ['Pod']);
    expectNothingRestsOn(doc, 'cluster2', ['Pod']);
    expect(r.code).toBe(0); // nothing that was read is an error; the note and `skipped` say what was not
    expect(r.ms).toBeLessThan(15_000);
  });

  it('connection reset before the answer: the request is retried, the report is the fault-free one', async () => {
    const {sim: s, kubeconfig} = await sim(TWO, {faults: {cluster1: {dropConnection: true, match: '/api/v1/pods', times: 1}}});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    expect(r.code).toBe(1);
    expect(keys(parseDoc(r))).toEqual(keys(baseline));
    expect(podLists(s, 'cluster1').map((q) => q.fault ?? 'ok')).toEqual(['drop', 'ok']);
  });

  it('connection reset in the middle of an answer: retried, never read as a shorter list', async () => {
    const script = scriptedList('pods', (i) => (i === 0 ? 'resetMidBody' : 'pass'));
    const {kubeconfig} = await sim(TWO, {routes: [script.route]});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    expect(r.code).toBe(1);
    expect(keys(parseDoc(r))).toEqual(keys(baseline));
    expect(script.calls.map((c) => c.action)).toEqual(['resetMidBody', 'pass', 'pass']);
  });

  it('resets that never stop: bounded retries, then the kind is unread', async () => {
    const script = scriptedList('pods', (i) => (i % 2 === 0 ? 'resetMidBody' : 'reset'));
    const {kubeconfig} = await sim(TWO, {routes: [script.route]});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    const doc = parseDoc(r);
    expect(script.calls).toHaveLength(2 * RETRY.maxAttempts);
    expectNothingRestsOn(doc, 'cluster1', ['Pod']);
    expectNothingRestsOn(doc, 'cluster2', ['Pod']);
    expect(r.stderr).toMatch(/pods not read \(connection to .* was reset \(gave up after 4 tries\)\)/);
    expect(r.code).toBe(0);
  });

  it('API discovery of the Istio group fails (5xx): its kinds are unread, the other kinds analysed', async () => {
    const {kubeconfig} = await sim(TWO, {faults: {cluster1: {status: 503, match: /^\/apis\/networking\.istio\.io\/?$/}}});
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2']);
    const doc = parseDoc(r);
    expect(doc.contexts).toEqual(['cluster1', 'cluster2']);
    expectNothingRestsOn(doc, 'cluster1', ['DestinationRule', 'ServiceEntry', 'WorkloadEntry']);
    expect(r.stderr).toMatch(/^note: context cluster1: destinationrules not read \(API discovery of networking\.istio\.io failed: 503 /m);
    expectPartOfBaseline(doc, r.code);
  });

  it('credentials rejected (401) → exit 3, one line, the token never printed', async () => {
    const {sim: s, kubeconfig} = await sim(TWO_RIGHT);
    writeFileSync(kubeconfig, addContexts(readFileSync(kubeconfig, 'utf8'), [{name: 'bad-token', server: s.contexts[0]!.server, token: 'sekrit-wrong-token-0123456789'}]));
    const r = await doctor(kubeconfig, ['bad-token']);
    expect(r.code).toBe(3);
    expectOneErrorLine(r.stderr, /context bad-token: unauthorized \(401\): credentials rejected|context bad-token: Unauthorized/, ['sekrit-wrong-token-0123456789']);
    expect(r.stdout).not.toContain('sekrit-wrong-token');
  });

  it('one context of several unreachable, nothing else wrong → the others analysed, a note names it, exit 3', async () => {
    const {kubeconfig} = await sim(TWO_RIGHT);
    const port = await closedPort();
    writeFileSync(kubeconfig, addContexts(readFileSync(kubeconfig, 'utf8'), [{name: 'dead', server: `https://127.0.0.1:${port}`}]));
    const r = await doctor(kubeconfig, ['cluster1', 'dead', 'cluster2']);
    const doc = parseDoc(r);
    expect(doc.contexts).toEqual(['cluster1', 'cluster2']);
    expect(doc.notes?.some((x) => /^context dead could not be read: connection refused/.test(x))).toBe(true);
    expect(r.stderr).toMatch(/^note: context dead could not be read: connection refused by https:\/\/127\.0\.0\.1:\d+$/m);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(doc.findings.filter((f) => f.context === 'dead')).toEqual([]);
    expect(r.code).toBe(3);
  });

  it('one context of several unreachable, findings elsewhere → the findings stand, exit 1', async () => {
    const {kubeconfig} = await sim(TWO);
    const port = await closedPort();
    writeFileSync(kubeconfig, addContexts(readFileSync(kubeconfig, 'utf8'), [{name: 'dead', server: `https://127.0.0.1:${port}`}]));
    const r = await doctor(kubeconfig, ['cluster1', 'cluster2', 'dead']);
    const doc = parseDoc(r);
    expect(doc.contexts).toEqual(['cluster1', 'cluster2']);
    expect(doc.notes?.some((x) => x.startsWith('context dead could not be read'))).toBe(true);
    expect(r.code).toBe(1);
  });

  it('collect with one kind failing: the bundle records it as unread, and doctor on the bundle skips its checks', async () => {
    const {kubeconfig} = await sim(TWO, {faults: {cluster1: {status: 503, match: '/api/v1/pods'}}});
    const out = path.join(sb.home, `bundle-${++n}`);
    const c = await cli(['collect', '--kubeconfig', kubeconfig, '--context', 'cluster1', '--context', 'cluster2', '-o', out], sb.env);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/1 kind\(s\) not readable/);
    const r = await cli(['doctor', '--bundle', out, '-o', 'json'], sb.env);
    const doc = parseDoc(r);
    expectNothingRestsOn(doc, 'cluster1', ['Pod']);
    expectPartOfBaseline(doc, r.code);
  });
});
