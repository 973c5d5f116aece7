/**
 * Bundles are untrusted (customers send them): hostile archives and folders through the real CLI.
 * `..` and absolute paths, symlinks and hard links (also a file written through a symlink),
 * device files and FIFOs, a header that lies about its size, archives that are not tar or are cut
 * off, a hostile bundle.yaml. None may write outside the temporary directory (the CLI runs with its
 * own TMPDIR, which must be empty afterwards) or hang; each refusal is named. The limits (bombs,
 * a million files, nesting) are in bundle-limits.test.ts.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ARCHIVE_LIMITS} from '../../src/sources/archive.js';
import {BUNDLE_LIMITS} from '../../src/sources/bundle.js';
import {arena, doctorBundle, expectNothingEscaped, NS, SVC, write} from './bundle-support.js';
import {cli, expectOneErrorLine, parseDoc} from './support.js';
import {tarGz, type TarEntry} from './tar.js';

describe.concurrent('hostile bundles', () => {
  it('entries with ../ and absolute paths are refused and named; the rest of the bundle is read', async () => {
    const a = arena();
    const entries: TarEntry[] = [
      {path: 'bundle/c1/ns.yaml', data: NS},
      {path: 'bundle/c2/ns.yaml', data: NS},
      {path: '../escape.yaml', data: NS},
      {path: '../../escape.yaml', data: NS},
      {path: '../../outside/escape.yaml', data: NS},
      {path: 'bundle/c1/../../../outside/deep.yaml', data: NS},
      {path: path.join(a.outside, 'absolute.yaml'), data: NS},
      {path: 'bundle/\u001b]0;pwned\u0007\u001b[2J../../x.yaml', data: NS},
    ];
    const bundle = write(a.root, 'paths.tar.gz', tarGz(entries));
    const r = await doctorBundle(a, bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(parseDoc(r).contexts).toEqual(['c1', 'c2']);
    expect(r.stderr).toMatch(/^note: bundle .*: 6 archive entries refused and not read \(links, devices or paths outside the bundle\): \.\.\/escape\.yaml \(path outside the bundle\)/m);
    expect(r.stderr).not.toMatch(/\u001b/);
    expectNothingEscaped(a);
  });

  it('symlinks and hard links are never created, so nothing is written through them', async () => {
    const a = arena();
    const bundle = write(
      a.root,
      'links.tar.gz',
      tarGz([
        {path: 'c1/ns.yaml', data: NS},
        {path: 'c1/evil', type: 'symlink', linkpath: a.outside},
        {path: 'c1/evil/through-symlink.yaml', data: NS},
        {path: 'c1/passwd.yaml', type: 'symlink', linkpath: '/etc/passwd'},
        {path: 'c1/hard.yaml', type: 'hardlink', linkpath: '/etc/passwd'},
        {path: 'c1/up', type: 'symlink', linkpath: '../../outside'},
        {path: 'c1/up/x.yaml', data: NS},
      ]),
    );
    const r = await doctorBundle(a, bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 archive entries refused.*c1\/evil \(SymbolicLink\).*c1\/hard\.yaml \(Link\)/);
    expectNothingEscaped(a);
  });

  it('device files and FIFOs are refused (never created, never read)', async () => {
    const a = arena();
    const bundle = write(
      a.root,
      'devices.tar.gz',
      tarGz([
        {path: 'c1/ns.yaml', data: NS},
        {path: 'c1/zero.yaml', type: 'chardev', devmajor: 1, devminor: 5},
        {path: 'c1/disk.yaml', type: 'blockdev', devmajor: 8, devminor: 0},
        {path: 'c1/pipe.yaml', type: 'fifo'},
      ]),
    );
    const r = await doctorBundle(a, bundle);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3 archive entries refused.*CharacterDevice.*BlockDevice.*FIFO/);
    expectNothingEscaped(a);
  });

  it('an archive of nothing but refused entries → exit 2, one line', async () => {
    const a = arena();
    const bundle = write(a.root, 'only-bad.tar.gz', tarGz([{path: '../x.yaml', data: NS}, {path: 'c1/l', type: 'symlink', linkpath: '/'}]));
    const r = await doctorBundle(a, bundle);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, /nothing safe to read \(refused: \.\.\/x\.yaml \(path outside the bundle\), c1\/l \(SymbolicLink\)\)/);
    expectNothingEscaped(a);
  });

  it('a header that claims a 5 GiB file is refused at the header (per-file limit), before any byte is inflated', async () => {
    const a = arena();
    const bundle = write(a.root, 'liar.tar.gz', tarGz([{path: 'c1/ns.yaml', data: NS}, {path: 'c1/huge.yaml', size: 5 * 1024 ** 3}], {truncate: true}));
    const r = await doctorBundle(a, bundle);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, new RegExp(`archive refused, c1/huge\\.yaml unpacks to 5 GiB, more than ${ARCHIVE_LIMITS.maxEntryBytes / 1024 / 1024} MiB for one file \\(limit hit\\)`));
    expectNothingEscaped(a);
  });

  it('a gzip that is not a tar, and a truncated archive → exit 2, one line each', async () => {
    const a = arena();
    const {gzipSync} = await import('node:zlib');
    const notTar = write(a.root, 'text.tar.gz', gzipSync(Buffer.from('hello, this is not a tar archive\n'.repeat(100))));
    const r1 = await doctorBundle(a, notTar);
    expect(r1.code).toBe(2);
    expectOneErrorLine(r1.stderr, /not a tar archive|holds no files/);
    const whole = tarGz([{path: 'c1/ns.yaml', data: NS}, {path: 'c1/svc.yaml', data: SVC.repeat(200)}]);
    const cut = write(a.root, 'cut.tar.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const r2 = await doctorBundle(a, cut);
    expect(r2.code).toBe(2);
    expectOneErrorLine(r2.stderr, /cannot read the archive|unexpected end|not a tar|holds no files/);
    expectNothingEscaped(a);
  });

  it('folder bundles: symlinks, FIFOs and oversized manifests are never followed, opened or read', async () => {
    const a = arena();
    const root = path.join(a.root, 'dir-bundle');
    const c1 = path.join(root, 'c1');
    mkdirSync(path.join(c1, 'envoy', 'sample', 'p1'), {recursive: true});
    writeFileSync(path.join(c1, 'ns.yaml'), NS);
    symlinkSync('/etc/passwd', path.join(c1, 'passwd.yaml'));
    symlinkSync('/dev/zero', path.join(c1, 'zero.yaml'));
    symlinkSync('/dev/zero', path.join(c1, 'envoy', 'sample', 'p1', 'clusters.json'));
    symlinkSync('/dev/zero', path.join(root, 'bundle.yaml'));
    symlinkSync(a.outside, path.join(c1, 'outside-link'));
    expect(spawnSync('mkfifo', [path.join(c1, 'fifo.yaml')]).status).toBe(0);
    // A sparse file: its size says more than the per-manifest limit, it is never read.
    const big = path.join(c1, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, BUNDLE_LIMITS.maxManifestBytes + 1);
    const r = await doctorBundle(a, root);
    expect(r.code, r.stderr).toBe(0);
    expect(parseDoc(r).contexts).toEqual(['c1']);
    expect(r.stderr).toMatch(new RegExp(`^note: c1/big\\.yaml: skipped, larger than ${BUNDLE_LIMITS.maxManifestBytes / 1024 / 1024} MiB \\(limit hit\\)$`, 'm'));
    expect(r.ms).toBeLessThan(30_000);
    expect(existsSync(path.join(a.outside, 'x'))).toBe(false);
  });

  it('a failing run (an unknown --context) still removes the extracted archive', async () => {
    const a = arena();
    const bundle = write(a.root, 'ok.tar.gz', tarGz([{path: 'bundle/c1/ns.yaml', data: NS}]));
    const r = await doctorBundle(a, bundle + '', 'json');
    expect(r.code, r.stderr).toBe(0);
    const bad = await cli(['doctor', '--bundle', bundle, '--context', 'nope'], a.env);
    expect(bad.code).toBe(2);
    expectOneErrorLine(bad.stderr, /context "nope" is not in the bundle \(it has: c1\)/);
    expectNothingEscaped(a);
  });

  it('a hostile bundle.yaml (wrong types, escapes, an alias bomb) neither crashes nor reaches the terminal', async () => {
    const a = arena();
    const metas = [
      'notes: 5\ncontexts: "c1"\n',
      'contexts: [{name: 7}, null, {name: c1, unread: 3, notInstalled: {x: 1}}]\nnotes: [1, {a: b}]\n',
      'notes: ["\\e]0;pwned\\a\\e[2Jinjected"]\ncontexts: [{name: "c1", unread: [{kind: Pod, cause: error, reason: "\\e[31mred"}]}]\n',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
      '- just\n- a list\n',
    ];
    for (const [i, meta] of metas.entries()) {
      const root = path.join(a.root, `meta${i}`);
      mkdirSync(path.join(root, 'c1'), {recursive: true});
      writeFileSync(path.join(root, 'c1', 'ns.yaml'), NS);
      writeFileSync(path.join(root, 'bundle.yaml'), meta);
      const r = await doctorBundle(a, root, 'table');
      expect(r.code, `${meta}\n${r.stderr}`).toBe(0);
      expect(r.stderr, meta).not.toMatch(/^error:/m);
      expect(r.stdout + r.stderr, meta).not.toMatch(/[\u001b\u0007]/);
    }
  });
});
