/**
 * The YAML sandbox (src/sources/bundle.ts ManifestParser): large untrusted YAML is parsed in a
 * worker thread with a memory and a time limit; hitting one leaves the file unread with a problem
 * naming the limit, and the next file is parsed by a fresh worker. Small files and JSON stay in
 * process. (The worker loads the compiled parser: `npm test` builds it first.)
 */
import {afterEach, describe, expect, it} from 'vitest';
import {ManifestParser, YAML_SANDBOX} from '../../src/sources/bundle.js';

const saved = {...YAML_SANDBOX};
afterEach(() => Object.assign(YAML_SANDBOX, saved));

const NS = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sample}\n';
const big = (n: number): string => `${NS}---\n${'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n'.repeat(n)}`;

describe('YAML sandbox', () => {
  it('parses a large file in the worker with the same result as in process', async () => {
    const p = new ManifestParser();
    try {
      const text = big(20_000);
      expect(text.length).toBeGreaterThan(YAML_SANDBOX.thresholdBytes);
      const r = await p.parse(text, 'big.yaml');
      expect(r.problems).toEqual([]);
      expect(r.objects).toHaveLength(20_001);
    } finally {
      p.close();
    }
  });

  it('memory limit: error-dense YAML stops at the limit, named; the next file parses in a new worker', async () => {
    YAML_SANDBOX.maxHeapMb = 64;
    YAML_SANDBOX.thresholdBytes = 1000;
    const p = new ManifestParser();
    try {
      const r = await p.parse(`items: [${','.repeat(6 * 1024 * 1024)}]\n`, 'commas.yaml');
      expect(r.objects).toEqual([]);
      expect(r.problems).toEqual([{file: 'commas.yaml', message: 'not read: parsing it needed more than 64 MiB of memory (limit hit)'}]);
      const next = await p.parse(big(200), 'after.yaml');
      expect(next.problems).toEqual([]);
      expect(next.objects).toHaveLength(201);
      expect((p as unknown as {worker?: unknown}).worker).toBeDefined();
    } finally {
      p.close();
    }
  }, 60_000);

  it('time limit: a file that takes too long stops at the limit, named', async () => {
    YAML_SANDBOX.minMs = 50;
    YAML_SANDBOX.msPerMiB = 0;
    const p = new ManifestParser();
    try {
      const r = await p.parse(big(60_000), 'slow.yaml');
      expect(r.objects).toEqual([]);
      expect(r.problems[0]!.message).toMatch(/^not read: parsing it took more than 0s \(limit hit\)$/);
    } finally {
      p.close();
    }
  });

  it('small files and JSON are parsed in process (no worker)', async () => {
    const p = new ManifestParser();
    const r = await p.parse(NS, 'small.yaml');
    expect(r.objects).toHaveLength(1);
    const json = JSON.stringify({apiVersion: 'v1', kind: 'List', items: Array.from({length: 20_000}, (_, i) => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name: `n${i}`}}))});
    expect(json.length).toBeGreaterThan(YAML_SANDBOX.thresholdBytes);
    const j = await p.parse(json, 'big.json');
    expect(j.objects).toHaveLength(20_000);
    expect((p as unknown as {worker?: unknown}).worker).toBeUndefined();
  });
});
