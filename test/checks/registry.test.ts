import {existsSync, readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {CHECKS} from '../../src/checks/index.js';
import {renderCatalogue, renderCheckDoc} from '../../src/docs/checks.js';

const root = path.resolve(import.meta.dirname, '../..');
const PRODUCT = path.resolve(root, '../shared/PRODUCT.md');

describe('check registry', () => {
  it('has unique, well-formed codes and names, sorted by code', () => {
    const codes = CHECKS.map((c) => c.meta.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of CHECKS) {
      expect(c.meta.code).toMatch(/^FO\d{3}$/);
      expect(c.meta.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
    expect([...codes].sort()).toEqual(codes);
  });

  it('every check has why, remediation, requires and a test file with fire and must-not-fire cases', () => {
    for (const c of CHECKS) {
      expect(c.meta.title.length, c.meta.code).toBeGreaterThan(10);
      expect(c.meta.why.length, c.meta.code).toBeGreaterThan(40);
      expect(c.meta.remediation.length, c.meta.code).toBeGreaterThan(20);
      expect(Array.isArray(c.meta.requires)).toBe(true);
      const testFile = path.join(root, 'test/checks', `${c.meta.code.toLowerCase()}.test.ts`);
      expect(existsSync(testFile), `${testFile} missing`).toBe(true);
    }
  });

  it('uses the names and codes of the catalogue in PRODUCT.md §5', () => {
    if (!existsSync(PRODUCT)) return; // the spec lives beside the project, not in it
    const spec = readFileSync(PRODUCT, 'utf8');
    for (const c of CHECKS) {
      const row = spec.split('\n').find((l) => l.startsWith(`| ${c.meta.code} |`));
      expect(row, `${c.meta.code} not in PRODUCT.md`).toBeDefined();
      expect(row!.split('|')[2]!.trim()).toBe(c.meta.name);
    }
  });
});

describe('docs/checks', () => {
  it('is up to date with the metadata (run `npm run docs`)', () => {
    const dir = path.join(root, 'docs/checks');
    for (const c of CHECKS) {
      const file = path.join(dir, `${c.meta.code}.md`);
      expect(existsSync(file), `${file} missing: run npm run docs`).toBe(true);
      expect(readFileSync(file, 'utf8'), `${c.meta.code}.md is stale: run npm run docs`).toBe(renderCheckDoc(c.meta));
    }
    const pages = readdirSync(dir).filter((f) => /^FO\d+\.md$/.test(f));
    expect(pages.sort()).toEqual(CHECKS.map((c) => `${c.meta.code}.md`));
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe(renderCatalogue(CHECKS));
  });
});
