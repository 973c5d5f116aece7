/**
 * The in-suite fuzz run: a fixed seed (KF_FUZZ_SEED to change it), a bounded number of inputs
 * (~20 s), every target. No input may crash, break an invariant or take more than 5 s + 5 s per
 * MiB (a hang or a super-linear blow-up, not a busy machine); the run must also have met every
 * kind of outcome (results, partial results and clear errors), so a fuzzer that only ever produced
 * garbage (or only valid input) does not pass unnoticed.
 * scripts/fuzz.mjs runs the same harness longer (KF_FUZZ_INPUTS, KF_FUZZ_BUNDLES, KF_FUZZ_SEEDS).
 */
import {appendFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {fuzz, loadSeeds} from './harness.js';

const SEED = Number(process.env.KF_FUZZ_SEED ?? 20_251_122);
const PER_TARGET = Number(process.env.KF_FUZZ_INPUTS ?? 600);
const BUNDLES = Number(process.env.KF_FUZZ_BUNDLES ?? 40);
const EXTRA = (process.env.KF_FUZZ_SEEDS ?? '').split(':').filter(Boolean);
const TIMEOUT = Number(process.env.KF_FUZZ_TIMEOUT_MS ?? 120_000);

describe('fuzz: untrusted-input readers', () => {
  it(`seed ${SEED}: ${PER_TARGET} inputs per parser, ${BUNDLES} bundles: no crash, no hang, invariants hold`, async () => {
    const seeds = loadSeeds(EXTRA);
    const t = await fuzz({seed: SEED, perTarget: PER_TARGET, bundles: BUNDLES, slowMs: Number(process.env.KF_FUZZ_SLOW_MS ?? 5000), slowMsPerMiB: 5000, seeds, currentInputFile: process.env.KF_FUZZ_CURRENT, saveDir: process.env.KF_FUZZ_SAVE});
    if (process.env.KF_FUZZ_REPORT) appendFileSync(process.env.KF_FUZZ_REPORT, JSON.stringify({seed: SEED, seeds: seeds.length, seedKinds: Object.fromEntries(['clusters-json', 'clusters-text', 'config-dump', 'manifest'].map((k) => [k, seeds.filter((s) => s.kind === k).length])), ...t}) + '\n');
    const problems = t.findings.map((f) => `${f.outcome} ${f.target} from ${f.seed}: ${f.message}\n  input: ${JSON.stringify(f.input.slice(0, 300))}`);
    expect(problems).toEqual([]);
    expect(t.inputs).toBe(PER_TARGET * 5 + BUNDLES);
    for (const [target, row] of Object.entries(t.byTarget)) {
      expect(row.ok, `${target}: some inputs are read whole`).toBeGreaterThan(0);
      expect(row.partial + row.error, `${target}: some inputs are read in part (marked) or refused with a clear error`).toBeGreaterThan(0);
    }
  }, TIMEOUT);
});
