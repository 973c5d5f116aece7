import {HttpError, NetworkError, UserError} from '../sources/errors.js';
import {oneLine} from '../render/text.js';

/**
 * What an error that ends a command prints and how the process exits (PRODUCT.md §2: 2 usage or
 * input, 3 cluster unreadable), never a stack trace. Shared by the oclif commands (cli/base.ts)
 * and the fast start of doctor (cli/fast.ts), so both say the same; no oclif import here.
 */
export function failureOf(err: Error & {parse?: unknown}): {message: string; exit: 2 | 3} {
  if (err instanceof UserError) return {message: err.message, exit: err.exitCode};
  if (err instanceof HttpError || err instanceof NetworkError) return {message: err.message, exit: 3};
  // oclif's own parse errors (unknown flag, bad option value): usage errors.
  const name = err.constructor?.name ?? '';
  if (/Parse|Flag|Arg|Options|Required|Unexpected|Nonexistent|Failed/.test(name) || err.parse) {
    return {message: err.message.split('\n').filter((l) => l.trim() && !/^\s*See more help/.test(l))[0]?.trim() ?? 'invalid usage', exit: 2};
  }
  return {message: `unexpected: ${String(err?.message ?? err).split('\n')[0]} (set KUBECTL_FAILOVER_DEBUG=1 for details)`, exit: 2};
}

/** The error line on stderr: one line, whatever the message holds (a server's text, a file name from a bundle…). */
export function writeFailure(message: string): void {
  process.stderr.write(`error: ${oneLine(message, 2000)}\n`);
}
