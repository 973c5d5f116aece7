/**
 * Limits on untrusted bundles, each named when hit: a decompression bomb (ratio), a million tiny
 * files (entries), a folder bundle with too many files, nesting (archive folders, bundle folders,
 * YAML flow collections), and YAML that would exhaust memory (parsed in a bounded worker). The CLI
 * runs with a 256 MiB heap and its own TMPDIR, which must be empty afterwards.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ARCHIVE_LIMITS} from '../../src/sources/archive.js';
import {BUNDLE_LIMITS} from '../../src/sources/bundle.js';
import {arena, doctorBundle, expectNothingEscaped, NS, write} from './bundle-support.js';
import {expectOneErrorLine, parseDoc} from './support.js';
import {tarGz, writeManyEmptyFiles, writeTarGz} from './tar.js';

describe.concurrent('bundle limits', () => {
  it(`a decompression bomb (256 MiB of zeros in a ~1 MiB file) stops at the ratio limit (${ARCHIVE_LIMITS.maxRatio}:1), in a 256 MiB heap`, async () => {
    const a = arena();
    const bundle = path.join(a.root, 'bomb.tar.gz');
    await writeTarGz(bundle, 1, () => ({path: 'c1/ns.yaml', data: NS}), {path: 'c1/zeros.yaml', bytes: 256 * 1024 * 1024});
    const r = await doctorBundle(a, bundle);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`archive refused, decompression ratio over ${ARCHIVE_LIMITS.maxRatio}:1 \\(a decompression bomb\\?\\) \\(limit hit\\)`));
    expect(r.ms).toBeLessThan(30_000);
    expectNothingEscaped(a);
  });

  it(`a million tiny files stop at ${ARCHIVE_LIMITS.maxEntries} entries (limit named), quickly`, async () => {
    const a = arena();
    const bundle = path.join(a.root, 'million.tar.gz');
    await writeManyEmptyFiles(bundle, 1_000_000, (i) => `c1/f${i}.yaml`);
    const r = await doctorBundle(a, bundle);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`archive refused, more than ${ARCHIVE_LIMITS.maxEntries} entries \\(limit hit\\)`));
    expect(r.ms).toBeLessThan(40_000);
    expectNothingEscaped(a);
  });

  it(`a folder bundle with more than ${BUNDLE_LIMITS.maxFiles} files → exit 2 naming the limit`, async () => {
    const a = arena();
    const dir = path.join(a.root, 'many', 'c1');
    mkdirSync(dir, {recursive: true});
    for (let i = 0; i <= BUNDLE_LIMITS.maxFiles; i++) writeFileSync(path.join(dir, `f${i}.txt`), '');
    const r = await doctorBundle(a, path.dirname(dir));
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`more than ${BUNDLE_LIMITS.maxFiles} files \\(limit hit\\)`));
  });

  it('deep nesting: archive entries deeper than the limit are refused; a deeper folder bundle is an error', async () => {
    const a = arena();
    const deep = `c1/${Array(ARCHIVE_LIMITS.maxDepth + 2).fill('d').join('/')}/x.yaml`;
    const bundle = write(a.root, 'deep.tar.gz', tarGz([{path: 'c1/ns.yaml', data: NS}, {path: deep, data: NS}]));
    const r = await doctorBundle(a, bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`1 archive entries refused.*nested deeper than ${ARCHIVE_LIMITS.maxDepth} folders`));
    expectNothingEscaped(a);

    const dir = path.join(a.root, 'deepdir', 'c1', ...Array(BUNDLE_LIMITS.maxDepth + 1).fill('d'));
    mkdirSync(dir, {recursive: true});
    writeFileSync(path.join(dir, 'x.yaml'), NS);
    const d = await doctorBundle(a, path.join(a.root, 'deepdir'));
    expect(d.code).toBe(2);
    expectOneErrorLine(d.stderr, new RegExp(`directory nesting deeper than ${BUNDLE_LIMITS.maxDepth} levels`));
  });

  it('YAML that would exhaust memory (4 MiB of `[,,,,` and 1 Mi levels of `{a: {a: …`) is parsed in a bounded worker; the process stays small', async () => {
    const a = arena();
    const root = path.join(a.root, 'yaml-bombs');
    mkdirSync(path.join(root, 'c1'), {recursive: true});
    writeFileSync(path.join(root, 'c1', 'ns.yaml'), NS);
    writeFileSync(path.join(root, 'c1', 'commas.yaml'), `${NS}---
items: [${','.repeat(4 * 1024 * 1024)}]
`);
    writeFileSync(path.join(root, 'c1', 'nested.yaml'), `${'{a: '.repeat(1024 * 1024)}1${'}'.repeat(1024 * 1024)}\n`);
    const r = await doctorBundle(a, root);
    expect(r.code, r.stderr).toBe(0);
    expect(parseDoc(r).contexts).toEqual(['c1']);
    expect(r.stderr).toMatch(/^note: c1\/nested\.yaml: not read: brackets nested more than \d+ levels deep \(limit hit\)$/m);
    // Parsed in the worker, which stops at its memory limit: the limit is named, the process lives on.
    expect(r.stderr).toMatch(/^note: c1\/commas\.yaml: not read: parsing it needed more than \d+ MiB of memory \(limit hit\)$/m);
    expect(r.ms).toBeLessThan(60_000);
  });
});
