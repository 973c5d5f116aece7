/** Running commands for the benchmark: wall time (hrtime) and peak RSS (GNU time's %M, in KiB). */
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

const scratch = mkdtempSync(path.join(tmpdir(), 'kf-bench-time-'));
let seq = 0;
process.on('exit', () => rmSync(scratch, {recursive: true, force: true}));

/**
 * Run `cmd args` under GNU time. stdout is counted (and its tail kept), never stored whole.
 * Resolves {ms, rssKB, code, stdoutBytes, tail, stderr}.
 */
export function measure(cmd, args, {env = process.env, timeoutMs = 30 * 60_000} = {}) {
  const out = path.join(scratch, `t${seq++}`);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', out, cmd, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
    let bytes = 0;
    let tail = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      bytes += d.length;
      tail = (tail + d.toString('utf8')).slice(-400);
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 4000) stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      clearTimeout(timer);
      let rssKB = NaN;
      try {
        const lines = readFileSync(out, 'utf8').trim().split('\n');
        rssKB = Number(lines[lines.length - 1]);
      } catch {
        /* killed before GNU time wrote it */
      }
      resolve({ms, rssKB, code, stdoutBytes: bytes, tail, stderr});
    });
  });
}

export function median(xs) {
  const a = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

export function max(xs) {
  return Math.max(...xs.filter((x) => Number.isFinite(x)));
}
