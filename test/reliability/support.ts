/** Shared pieces of the reliability tests: running the CLI, reading its JSON, the one-line rule. */
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {expect} from 'vitest';
import {CHECKS} from '../../src/checks/index.js';
import type {KindKey} from '../../src/model/kinds.js';
import {BIN, ROOT, run, type RunResult} from '../support/cli.js';

export const FIXTURES = path.join(ROOT, 'test/fixtures');

export interface DoctorDoc {
  contexts: string[];
  findings: {code: string; severity: string; context: string; object: {kind: string; namespace?: string; name: string}; remediation?: {commands: string[]}}[];
  skipped: {check: string; context: string; reason: string}[];
  notes?: string[];
}

export function tmp(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function cli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult & {ms: number}> {
  const t0 = Date.now();
  const r = await run(BIN, args, env, timeoutMs);
  return {...r, ms: Date.now() - t0};
}

export function parseDoc(r: RunResult): DoctorDoc {
  try {
    return JSON.parse(r.stdout) as DoctorDoc;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

export function keys(doc: DoctorDoc): string[] {
  return doc.findings.map((f) => `${f.code} ${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} @${f.context}`).sort();
}

/** Exactly one `error:` line on stderr, matching `pattern`; no stack trace; no secret. */
export function expectOneErrorLine(stderr: string, pattern: RegExp, secrets: readonly string[] = []): void {
  const errLines = stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errLines, stderr).toHaveLength(1);
  expect(errLines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  for (const s of secrets) expect(stderr).not.toContain(s);
}

/** Every non-live check that needs `kind`. */
export function checksRequiring(kind: KindKey): string[] {
  return CHECKS.filter((c) => !c.meta.live && c.meta.requires.includes(kind)).map((c) => c.meta.code);
}

/**
 * No finding rests on data that was not read: in `context`, no finding comes from a check that
 * requires one of `unread`, and each of those checks is listed in `skipped` for the context.
 */
export function expectNothingRestsOn(doc: DoctorDoc, context: string, unread: readonly KindKey[]): void {
  const needs = new Set(unread.flatMap((k) => checksRequiring(k)));
  expect(needs.size).toBeGreaterThan(0);
  const wrong = doc.findings.filter((f) => f.context === context && needs.has(f.code)).map((f) => `${f.code} @${f.context}`);
  expect(wrong, 'findings that rest on unread kinds').toEqual([]);
  const skipped = new Set(doc.skipped.filter((s) => s.context === context).map((s) => s.check));
  for (const code of needs) expect(skipped.has(code), `${code} skipped in ${context}`).toBe(true);
}

/** Stable form of a list of pods (or any objects) to compare reads. */
export function names(list: readonly {metadata: {namespace?: string; name: string}}[] | undefined): string[] | undefined {
  return list?.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
}
