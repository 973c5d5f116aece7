import path from 'node:path';
import {UserError} from './errors.js';

/** Limits for untrusted archives: entries, bytes unpacked, and only plain files and folders. */
export const ARCHIVE_LIMITS = {
  maxEntries: 20_000,
  maxBytes: 2 * 1024 * 1024 * 1024,
} as const;

/**
 * Extract a .tar.gz bundle into `dir`. Absolute paths, `..`, links and device files are refused
 * (never written); extraction stops with a clear error when a limit is hit.
 */
export async function extract(file: string, dir: string): Promise<void> {
  const tar = await import('tar');
  let entries = 0;
  let bytes = 0;
  let limitHit: string | undefined;
  const refused: string[] = [];
  try {
    await tar.x({
      file,
      cwd: dir,
      strict: false,
      preservePaths: false,
      preserveOwner: false,
      noChmod: true,
      filter: (p: string, entry: unknown) => {
        const e = entry as {type?: string; size?: number};
        const norm = path.posix.normalize(p.replace(/\\/g, '/'));
        if (e.type !== 'File' && e.type !== 'Directory' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') {
          refused.push(`${p} (${e.type})`);
          return false;
        }
        if (path.posix.isAbsolute(p) || norm.startsWith('../') || norm === '..' || norm.split('/').includes('..')) {
          refused.push(`${p} (path outside the bundle)`);
          return false;
        }
        if (++entries > ARCHIVE_LIMITS.maxEntries) {
          limitHit ??= `more than ${ARCHIVE_LIMITS.maxEntries} entries`;
          return false;
        }
        bytes += e.size ?? 0;
        if (bytes > ARCHIVE_LIMITS.maxBytes) {
          limitHit ??= `more than ${ARCHIVE_LIMITS.maxBytes / 1024 / 1024 / 1024} GiB unpacked`;
          return false;
        }
        return true;
      },
    });
  } catch (e) {
    throw new UserError(`bundle ${file}: cannot read the archive: ${(e as Error).message.split('\n')[0]}`);
  }
  if (limitHit) throw new UserError(`bundle ${file}: archive refused, ${limitHit} (limit hit)`);
  if (refused.length > 0 && entries === 0) throw new UserError(`bundle ${file}: nothing safe to read (refused: ${refused.slice(0, 3).join(', ')})`);
}
