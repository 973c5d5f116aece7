/**
 * Paged lists under faults, in process (the live reader with pages of one object, so a list has
 * many pages): a reset in the middle of page N is retried from the same continue token; a 410 Gone
 * restarts the list from the top (bounded); a list is never returned half read; answers that are
 * not lists leave the kind unread.
 */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {LIST_RESTARTS, readLive} from '../../src/sources/kube.js';
import {RETRY} from '../../src/sources/http.js';
import {startSimCluster, type SimCluster, type SimOptions} from '../support/sim/index.js';
import {scriptedList} from '../support/sim/faults-extra.js';
import {names} from './support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kf-paging-'));
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const PODS = Array.from({length: 7}, (_, i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: `web-${i}`, namespace: i % 2 ? 'a' : 'b', labels: {app: 'web'}},
  spec: {nodeName: 'n1', containers: [{name: 'c', image: 'x'}]},
}));

async function read(opts: Partial<SimOptions['contexts'][number]> = {}, routes: SimOptions['routes'] = [], requestTimeoutMs = 5_000) {
  const sim = await startSimCluster({contexts: [{name: 'c1', objects: [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'a'}}, ...PODS], ...opts}], routes});
  sims.push(sim);
  const kubeconfig = path.join(dir, `kc-${sims.length}`);
  writeFileSync(kubeconfig, sim.kubeconfig(), {mode: 0o600});
  const live = await readLive({kubeconfig, contexts: ['c1'], requestTimeoutMs, istioNamespace: 'istio-system', chunkSize: 1});
  const ctx = live.contexts[0];
  return {sim, live, ctx, pods: names(ctx?.objects.Pod), unreadPod: ctx?.unread?.find((u) => u.kind === 'Pod')};
}

const ALL = PODS.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();

describe('paged lists under faults', () => {
  it('fault-free: pages of one pod give the whole list', async () => {
    const {pods, sim} = await read();
    expect(pods).toEqual(ALL);
    expect(sim.requests.filter((r) => r.path === '/api/v1/pods')).toHaveLength(PODS.length);
  });

  it('a reset in the middle of page 3: that page is asked again with the same token, the list is whole', async () => {
    const script = scriptedList('pods', (i) => (i === 2 ? 'resetMidBody' : 'pass'));
    const {pods, sim, unreadPod} = await read({}, [script.route]);
    expect(unreadPod).toBeUndefined();
    expect(pods).toEqual(ALL);
    const tries = sim.requests.filter((r) => r.path === '/api/v1/pods');
    expect(tries[2]!.query.continue).toBeDefined();
    expect(tries[3]!.query.continue).toBe(tries[2]!.query.continue); // the same page again
    expect(script.calls.map((c) => c.action)).toEqual(['pass', 'pass', 'resetMidBody', ...Array(PODS.length - 2).fill('pass')]);
  });

  it('resets on page 3 that never stop: the kind is unread, never the 2 pages read before', async () => {
    const script = scriptedList('pods', (i) => (i >= 2 ? 'resetMidBody' : 'pass'));
    const {ctx, unreadPod} = await read({}, [script.route]);
    expect(ctx!.objects.Pod).toBeUndefined();
    expect(unreadPod).toMatchObject({cause: 'error'});
    expect(unreadPod!.reason).toMatch(/was reset \(gave up after \d tries\)/);
    expect(script.calls).toHaveLength(2 + RETRY.maxAttempts);
  });

  it('a server that stops in the middle of a page: the whole exchange has a deadline (--request-timeout), not only idle sockets', async () => {
    const script = scriptedList('pods', (i) => (i === 1 ? 'stallMidBody' : 'pass'));
    const t0 = Date.now();
    const {ctx, unreadPod} = await read({}, [script.route], 1_000);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(ctx!.objects.Pod).toBeUndefined();
    expect(unreadPod!.reason).toMatch(/no answer from .* within 1s \(--request-timeout\)/);
  });

  it('a 429 on a middle page is retried after Retry-After, the list is whole', async () => {
    const script = scriptedList('pods', (i) => (i === 4 ? {status: 429, retryAfter: '0'} : 'pass'));
    const {pods} = await read({}, [script.route]);
    expect(pods).toEqual(ALL);
  });

  it('410 Gone on a continue token: the list restarts from the top and is whole (no duplicates)', async () => {
    const {pods, sim, ctx} = await read({faults: {expireContinue: true, match: '/api/v1/pods', times: 1}});
    expect(pods).toEqual(ALL);
    expect(ctx!.objects.Pod).toHaveLength(PODS.length);
    const tries = sim.requests.filter((r) => r.path === '/api/v1/pods');
    expect(tries.map((r) => (r.fault === 'expireContinue' ? 410 : r.query.continue ? 'cont' : 'first'))).toEqual(['first', 410, 'first', ...Array(PODS.length - 1).fill('cont')]);
  });

  it(`410 Gone every time: ${LIST_RESTARTS} restarts, then the kind is unread (never a partial list)`, async () => {
    const {ctx, unreadPod, sim} = await read({faults: {expireContinue: true, match: '/api/v1/pods'}});
    expect(ctx!.objects.Pod).toBeUndefined();
    expect(unreadPod!.reason).toMatch(new RegExp(`kept expiring \\(410 Gone.*after ${LIST_RESTARTS} restarts`));
    expect(sim.requests.filter((r) => r.path === '/api/v1/pods')).toHaveLength(2 * (LIST_RESTARTS + 1));
  });

  it('an answer that is not a list, or items without names: the kind is unread, not empty', async () => {
    for (const body of [{kind: 'PodList', items: 'nope'}, {kind: 'PodList', items: [{metadata: {}}]}, ['x'], 'text']) {
      const script = scriptedList('pods', () => ({body}));
      const {ctx, unreadPod} = await read({}, [script.route]);
      expect(ctx!.objects.Pod, JSON.stringify(body)).toBeUndefined();
      expect(unreadPod!.reason, JSON.stringify(body)).toMatch(/not a list|without metadata\.name/);
    }
  });

  it('every kind failing: the context is unreachable with the reason, not an empty cluster', async () => {
    const {live} = await read({faults: {status: 503, match: /^\/(api|apis)\//}});
    expect(live.contexts).toEqual([]);
    expect(live.unreachable).toEqual([{context: 'c1', reason: expect.stringMatching(/503/)}]);
  });
});
