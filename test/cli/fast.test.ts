import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Parser} from '@oclif/core';
import {beforeAll, describe, expect, it} from 'vitest';
import {doctorFlags, parseFlags, type ManifestFlag} from '../../src/cli/fast.js';
import Doctor from '../../src/commands/doctor.js';

// The manifest entry of doctor exactly as `oclif manifest` writes it (its own function, not exported by the package).
const ROOT = path.resolve(import.meta.dirname, '../..');
const {cacheCommand} = createRequire(import.meta.url)(path.join(ROOT, 'node_modules/@oclif/core/lib/util/cache-command.js')) as {
  cacheCommand(c: unknown): Promise<{flags: Record<string, ManifestFlag>; args: object; strict: boolean}>;
};
let cached: Awaited<ReturnType<typeof cacheCommand>>;
beforeAll(async () => {
  cached = JSON.parse(JSON.stringify(await cacheCommand(Doctor))); // as written to oclif.manifest.json
});

async function oclifFlags(argv: string[]): Promise<Record<string, unknown>> {
  const out = await Parser.parse(argv, {flags: Doctor.flags, args: Doctor.args, strict: true});
  return out.flags as Record<string, unknown>;
}

const DEFAULTS = {output: 'table', 'request-timeout': '30s', 'istio-namespace': 'istio-system', 'fail-on': 'error'};

describe('fast start of doctor: reading the command line', () => {
  it.each([
    [['--bundle', 'b'], {bundle: 'b'}],
    [['--bundle=b'], {bundle: 'b'}],
    [['--bundle=a=b'], {bundle: 'a=b'}],
    [['--bundle', 'b', '-o', 'json', '--fail-on', 'none'], {bundle: 'b', output: 'json', 'fail-on': 'none'}],
    [['--context', 'c1', '--context=c2', '-n', 'ns', '-A'], {context: ['c1', 'c2'], namespace: ['ns'], 'all-namespaces': true}],
    [['--check', 'FO101', '--check', 'fo102', '--fix', '-y'], {check: ['FO101', 'fo102'], fix: true, yes: true}],
    [[], {}],
  ])('reads %j as oclif does', async (argv, given) => {
    const fast = parseFlags(argv, cached.flags);
    expect(fast).toEqual({...DEFAULTS, ...given});
    expect(fast).toEqual(await oclifFlags(argv));
  });

  it.each([
    [['--help']],
    [['-h']],
    [['--version']],
    [['extra']],
    [['--bundle', 'b', '--', 'x']],
    [['--nope']],
    [['--no-fix']],
    [['-ojson']],
    [['-o=json']],
    [['-Ay']],
    [['--output', 'xml']],
    [['--output', 'json', '--output', 'yaml']],
    [['--bundle']],
    [['--bundle=']],
    [['--bundle', '-x']],
    [['--fix', '--fix']],
    [['--fix=true']],
    [['-']],
  ])('leaves %j to oclif', (argv) => {
    expect(parseFlags(argv, cached.flags)).toBeUndefined();
  });

  it('never reads a command line differently from oclif (random command lines)', async () => {
    const pool = ['--bundle', 'b', '--bundle=b', '--bundle=a=b', '-o', 'json', 'xml', '--output=yaml', '--output', 'markdown', '-n', 'ns', '-A', '--all-namespaces', '--fix', '--apply', '-y', '--yes',
      '--check', 'FO101', '--check=fo102', '--context', 'c1', '--', '-', 'extra', '--nope', '--no-fix', '-ojson', '--fail-on', 'warning', 'none', '--request-timeout', '10s', '--config', 'f.yaml', '-x',
      '--from', 'a/b', '--bundle=', '-i', 'is', '--istio-namespace=x', '--ignore', 'FO1*', '--client-namespace', 'cn', '--kubeconfig', 'k', '-h', '--help'];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const argv = Array.from({length: rnd(7)}, () => pool[rnd(pool.length)]!);
      const fast = parseFlags(argv, cached.flags);
      if (fast === undefined) continue;
      accepted++;
      expect({argv, flags: fast}).toEqual({argv, flags: await oclifFlags(argv)});
    }
    expect(accepted).toBeGreaterThan(300);
  });

  it('refuses a flag whose manifest entry it does not understand', () => {
    expect(parseFlags(['--bundle', 'b'], {...cached.flags, bundle: {...cached.flags.bundle!, env: 'BUNDLE'}})).toBeUndefined();
    expect(parseFlags([], {...cached.flags, x: {name: 'x', type: 'custom'}})).toBeUndefined();
  });
});

describe('fast start of doctor: when it stands aside', () => {
  function root(oclif: object = {bin: 'kubectl-failover', dirname: 'kubectl-failover', commands: {strategy: 'explicit', target: './dist/bundle/load.js', identifier: 'COMMANDS'}, topicSeparator: ' '}, manifestVersion = '1.2.3'): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'kf-fast-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({name: 'kubectl-failover', version: '1.2.3', oclif}));
    writeFileSync(path.join(dir, 'oclif.manifest.json'), JSON.stringify({version: manifestVersion, commands: {doctor: cached}}));
    return dir;
  }
  const home = mkdtempSync(path.join(tmpdir(), 'kf-fast-home-'));
  const env = {HOME: home, PATH: '/usr/bin'};

  it('runs for a plain command line in a plain environment', () => {
    expect(doctorFlags(['--bundle', 'b'], root(), env)).toEqual({...DEFAULTS, bundle: 'b'});
    expect(doctorFlags(['--bundle', 'b'], root(), {...env, KUBECTL_FAILOVER_CACHE_DIR: '/tmp/x', NODE_ENV: 'test', CI: '1'})).toBeDefined();
  });

  it.each([['DEBUG', '*'], ['OCLIF_DEBUG', '1'], ['KUBECTL_FAILOVER_DEBUG', '1'], ['KUBECTL_FAILOVER_DATA_DIR', '/x']])('stands aside when %s is set (oclif reads it)', (k, v) => {
    expect(doctorFlags(['--bundle', 'b'], root(), {...env, [k]: v})).toBeUndefined();
  });

  it('stands aside for an oclif configuration or a manifest it does not know', () => {
    expect(doctorFlags(['--bundle', 'b'], root({bin: 'kubectl-failover', hooks: {init: './x.js'}}), env)).toBeUndefined();
    expect(doctorFlags(['--bundle', 'b'], root(undefined, '1.2.2'), env)).toBeUndefined();
    expect(doctorFlags(['--bundle', 'b'], path.join(home, 'nowhere'), env)).toBeUndefined();
  });

  it('stands aside when user plugins could be installed (oclif loads them and their hooks)', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'kf-fast-data-'));
    mkdirSync(path.join(data, 'kubectl-failover'));
    writeFileSync(path.join(data, 'kubectl-failover', 'package.json'), '{}');
    expect(doctorFlags(['--bundle', 'b'], root(), {...env, XDG_DATA_HOME: data})).toBeUndefined();
  });
});
