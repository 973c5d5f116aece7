/**
 * A minimal ustar writer for hostile archives: any path (absolute, `..`), links, devices, FIFOs,
 * and headers that claim sizes the data does not have. Real tools refuse to write these, so the
 * tests write them byte by byte (POSIX.1-1988 ustar: 512-byte header, octal fields, checksum).
 */
import {createWriteStream} from 'node:fs';
import {createGzip, gzipSync} from 'node:zlib';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

export interface TarEntry {
  readonly path: string;
  readonly type?: EntryType;
  readonly data?: string | Buffer;
  /** Size written in the header (default: the data's). Larger than the data = a lying header. */
  readonly size?: number;
  readonly linkpath?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
}

const TYPEFLAG: Record<EntryType, string> = {file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6'};

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(512, 0);
  const name = Buffer.from(e.path, 'utf8');
  if (name.length > 100) throw new Error(`tar.ts: path longer than 100 bytes: ${e.path}`);
  name.copy(h, 0);
  const type = e.type ?? 'file';
  h.write(octal(type === 'dir' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(1000, 8), 108, 'ascii');
  h.write(octal(1000, 8), 116, 'ascii');
  const size = e.size ?? (type === 'file' ? Buffer.byteLength(e.data ?? '') : 0);
  if (size < 8 ** 11) h.write(octal(size, 12), 124, 'ascii');
  else {
    // GNU base-256 for sizes of 8 GiB and more: high bit set, big-endian.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(1_700_000_000, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write(TYPEFLAG[type], 156, 'ascii');
  if (e.linkpath) Buffer.from(e.linkpath, 'utf8').copy(h, 157);
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  if (e.devmajor !== undefined) h.write(octal(e.devmajor, 8), 329, 'ascii');
  if (e.devminor !== undefined) h.write(octal(e.devminor, 8), 337, 'ascii');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512, 0);
}

/** The uncompressed tar of these entries (two zero blocks at the end unless `truncate`). */
export function tarBytes(entries: readonly TarEntry[], opts: {truncate?: boolean} = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    if ((e.type ?? 'file') === 'file' && e.data !== undefined) {
      const d = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
      parts.push(d, pad(d.length));
    }
  }
  if (!opts.truncate) parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

export function tarGz(entries: readonly TarEntry[], opts: {truncate?: boolean} = {}): Buffer {
  return gzipSync(tarBytes(entries, opts));
}

/**
 * Write a .tar.gz of `count` entries made by `make(i)` (streamed: a million entries never sit in
 * memory), optionally followed by `tail` bytes of zeros inside one file (a decompression bomb).
 */
export async function writeTarGz(file: string, count: number, make: (i: number) => TarEntry, zeros?: {path: string; bytes: number}): Promise<void> {
  const gz = createGzip({level: 1});
  const out = createWriteStream(file);
  gz.pipe(out);
  const write = (b: Buffer): Promise<void> | void => {
    if (!gz.write(b)) return new Promise((r) => gz.once('drain', () => r()));
  };
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const push = async (b: Buffer): Promise<void> => {
    batch.push(b);
    batchBytes += b.length;
    if (batchBytes >= 4 * 1024 * 1024) {
      const all = Buffer.concat(batch);
      batch = [];
      batchBytes = 0;
      await write(all);
    }
  };
  for (let i = 0; i < count; i++) {
    const e = make(i);
    await push(header(e));
    if (e.data !== undefined && Buffer.byteLength(e.data) > 0) {
      const d = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
      await push(Buffer.concat([d, pad(d.length)]));
    }
  }
  if (zeros) {
    await push(header({path: zeros.path, size: zeros.bytes}));
    const block = Buffer.alloc(1024 * 1024, 0);
    for (let left = zeros.bytes; left > 0; left -= block.length) await push(left >= block.length ? block : block.subarray(0, left));
    await push(pad(zeros.bytes));
  }
  await push(Buffer.alloc(1024, 0));
  await write(Buffer.concat(batch));
  gz.end();
  await new Promise<void>((r, j) => {
    out.on('close', () => r());
    out.on('error', j);
  });
}

/**
 * A .tar.gz of `count` empty files named `nameOf(i)`, fast: one template header, only the name
 * and checksum change (a million entries in about a second).
 */
export async function writeManyEmptyFiles(file: string, count: number, nameOf: (i: number) => string): Promise<void> {
  const template = header({path: '', data: ''});
  template.fill(0, 148, 156);
  template.write('        ', 148, 'ascii');
  let base = 0;
  for (let i = 0; i < 512; i++) base += template[i]!;
  const gz = createGzip({level: 1});
  const out = createWriteStream(file);
  gz.pipe(out);
  const per = 8192;
  for (let start = 0; start < count; start += per) {
    const n = Math.min(per, count - start);
    const buf = Buffer.allocUnsafe(n * 512);
    for (let k = 0; k < n; k++) {
      const off = k * 512;
      template.copy(buf, off);
      const name = nameOf(start + k);
      const len = buf.write(name, off, 100, 'latin1');
      let sum = base;
      for (let j = 0; j < len; j++) sum += buf[off + j]!;
      buf.write(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 'ascii');
    }
    if (!gz.write(buf)) await new Promise<void>((r) => gz.once('drain', () => r()));
  }
  gz.end(Buffer.alloc(1024, 0));
  await new Promise<void>((r, j) => {
    out.on('close', () => r());
    out.on('error', j);
  });
}
