import {createReadStream, promises as fs} from 'node:fs';
import path from 'node:path';
import {oneLine} from '../render/text.js';
import {UserError} from './errors.js';

/**
 * Limits for untrusted archives: entries, bytes unpacked (in all and per entry), decompression
 * ratio, and folder depth. Only plain files and folders are ever written.
 */
export const ARCHIVE_LIMITS = {
  maxEntries: 20_000,
  maxBytes: 2 * 1024 * 1024 * 1024,
  /** One file: an Envoy dump larger than this cannot be parsed anyway (MAX_JSON_DUMP_BYTES). */
  maxEntryBytes: 512 * 1024 * 1024,
  /** Unpacked bytes per compressed byte: YAML and JSON bundles stay far below (≈10–50). */
  maxRatio: 200,
  /** Folder levels inside the archive. */
  maxDepth: 32,
} as const;

export type ArchiveLimits = {readonly [K in keyof typeof ARCHIVE_LIMITS]: number};

export interface ExtractResult {
  /** Entries not written: links, devices, FIFOs, paths outside the bundle (name and why). */
  readonly refused: readonly string[];
  readonly entries: number;
  readonly bytes: number;
}

/**
 * Extract a .tar.gz bundle into `dir`. Absolute paths, `..`, links, device files and FIFOs are
 * refused (never written); extraction stops at once, with a clear error naming the limit, when a
 * limit is hit (the caller removes `dir`).
 */
export async function extract(file: string, dir: string, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<ExtractResult> {
  const tar = await import('tar');
  let entries = 0;
  let bytes = 0;
  let limitHit: string | undefined;
  const refused: string[] = [];
  const warnings: string[] = [];
  const input = createReadStream(file);
  let unpack: InstanceType<typeof tar.Unpack> | undefined;
  const stop = (why: string): void => {
    limitHit ??= why;
    // Abort outside the parser's own call stack: nothing more is read, inflated or written.
    queueMicrotask(() => {
      input.destroy();
      unpack?.abort(new Error(why));
    });
  };
  unpack = new tar.Unpack({
    cwd: dir,
    strict: false,
    preservePaths: false,
    preserveOwner: false,
    maxDepth: limits.maxDepth,
    maxDecompressionRatio: limits.maxRatio,
    onwarn: (code: string, message: string, warnData: unknown) => {
      const data = warnData as {path?: string; entry?: {path?: string}} | undefined;
      const where = oneLine(String(data?.path ?? data?.entry?.path ?? ''), 120);
      if (code === 'TAR_BAD_ARCHIVE') warnings.push('not a tar archive');
      else if (code === 'TAR_ENTRY_ERROR' && /excessively deep/.test(message)) refused.push(`${where} (nested deeper than ${limits.maxDepth} folders)`);
      else if (code !== 'TAR_ENTRY_INFO') warnings.push(`${where ? `${where}: ` : ''}${oneLine(message, 200)}`);
    },
    filter: (p: string, entry: unknown) => {
      if (limitHit) return false;
      const e = entry as {type?: string; size?: number};
      const shown = oneLine(p, 120);
      const norm = path.posix.normalize(p.replace(/\\/g, '/'));
      if (e.type !== 'File' && e.type !== 'Directory' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') {
        refused.push(`${shown} (${e.type})`);
        return false;
      }
      if (path.posix.isAbsolute(p) || /^[A-Za-z]:/.test(p) || p.replace(/\\/g, '/').split('/').includes('..') || norm === '..' || norm.startsWith('../')) {
        refused.push(`${shown} (path outside the bundle)`);
        return false;
      }
      if (++entries > limits.maxEntries) {
        stop(`more than ${limits.maxEntries} entries`);
        return false;
      }
      const size = e.size ?? 0;
      if (size > limits.maxEntryBytes) {
        stop(`${shown} unpacks to ${mib(size)}, more than ${mib(limits.maxEntryBytes)} for one file`);
        return false;
      }
      bytes += size;
      if (bytes > limits.maxBytes) {
        stop(`more than ${mib(limits.maxBytes)} unpacked`);
        return false;
      }
      return true;
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const u = unpack!;
      u.on('error', (e: Error) => reject(e));
      u.on('close', () => resolve());
      input.on('error', (e: NodeJS.ErrnoException) => {
        if (limitHit) resolve();
        else reject(e);
      });
      input.on('close', () => {
        // Destroyed for a limit: the parser may never emit close.
        if (limitHit) resolve();
      });
      input.pipe(u as unknown as NodeJS.WritableStream);
    });
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const ratio = /max decompression ratio exceeded: ([\d.]+)/.exec(msg);
    if (ratio) limitHit ??= `decompression ratio over ${limits.maxRatio}:1 (a decompression bomb?)`;
    if (!limitHit && /Unrecognized archive format/i.test(msg)) throw new UserError(`bundle ${file}: a gzip file, but not a tar archive`);
    if (!limitHit) throw new UserError(`bundle ${file}: cannot read the archive: ${oneLine(msg.split('\n')[0] ?? msg, 200)}`);
  }
  if (limitHit) {
    // Writes already under way finish on their own: let them, so the caller can remove the folder.
    await new Promise((r) => setTimeout(r, 100));
    throw new UserError(`bundle ${file}: archive refused, ${limitHit} (limit hit)`);
  }
  if (refused.length > 0 && entries === 0) throw new UserError(`bundle ${file}: nothing safe to read (refused: ${refused.slice(0, 3).join(', ')})`);
  if (entries === 0) throw new UserError(`bundle ${file}: ${warnings.includes('not a tar archive') ? 'a gzip file, but not a tar archive' : 'the archive holds no files'}`);
  return {refused, entries, bytes};
}

function mib(n: number): string {
  return n >= 1024 ** 3 ? `${Math.round((n / 1024 ** 3) * 10) / 10} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** Remove an extracted tree (used when reading it fails half-way). */
export async function removeTree(dir: string): Promise<void> {
  await fs.rm(dir, {recursive: true, force: true, maxRetries: 10, retryDelay: 50});
}
