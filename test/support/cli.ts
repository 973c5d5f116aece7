import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, statSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/kubectl-failover');

/** The real kubectl on PATH, if any: the kubectl end-to-end tests need it (PRODUCT.md §7). */
export function kubectlPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, 'kubectl');
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * A sandbox for running `kubectl failover …` as a user would: a PATH whose first entry holds only
 * a `kubectl-failover` link to this project's executable (kubectl's plugin discovery finds it there),
 * and its own HOME so kubectl's discovery cache and config never leak between runs.
 */
export function pluginSandbox(): {home: string; env: NodeJS.ProcessEnv} {
  const home = mkdtempSync(path.join(tmpdir(), 'kf-e2e-'));
  const binDir = path.join(home, 'bin');
  mkdirSync(binDir);
  symlinkSync(BIN, path.join(binDir, 'kubectl-failover'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    PATH: `${binDir}:${process.env.PATH}`,
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
    NO_COLOR: '1',
    CI: '1',
  };
  delete env.FORCE_COLOR;
  return {home, env};
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code: code ?? -1, stdout, stderr});
    });
  });
}
