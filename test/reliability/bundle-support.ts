/** Shared by the hostile-bundle tests: a private arena per case, and the CLI run on a bundle. */
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {expect} from 'vitest';
import {pluginSandbox} from '../support/cli.js';
import {cli, tmp} from './support.js';

const sb = pluginSandbox();
export const NS = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sample}\n';
export const SVC = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: sample}\nspec: {ports: [{port: 80, name: http}]}\n';

export interface Arena {
  root: string;
  tmpdir: string;
  outside: string;
  env: NodeJS.ProcessEnv;
}

/** A private place per case: `tmp` is the CLI's TMPDIR, `outside` must stay as it was. */
export function arena(): Arena {
  const root = tmp('kf-attack-');
  const tmpdir = path.join(root, 'tmp');
  const outside = path.join(root, 'outside');
  mkdirSync(tmpdir);
  mkdirSync(outside);
  return {root, tmpdir, outside, env: {...sb.env, TMPDIR: tmpdir, NODE_OPTIONS: '--max-old-space-size=256'}};
}

export function write(root: string, name: string, data: Buffer): string {
  const f = path.join(root, name);
  writeFileSync(f, data);
  return f;
}

export function expectNothingEscaped(a: Arena): void {
  expect(readdirSync(a.outside), 'files written outside the temporary directory').toEqual([]);
  expect(readdirSync(a.root).sort()).toEqual(expect.arrayContaining(['outside', 'tmp']));
  expect(readdirSync(a.root).filter((f) => !['outside', 'tmp'].includes(f) && !f.endsWith('.tar.gz'))).toEqual([]);
  // The extracted copy is removed whatever happened (Node's own compile cache may live there).
  expect(readdirSync(a.tmpdir).filter((f) => f !== 'node-compile-cache'), 'left in TMPDIR').toEqual([]);
}

export async function doctorBundle(a: Arena, bundle: string, format = 'json') {
  return cli(['doctor', '--bundle', bundle, '-o', format], a.env, 120_000);
}
