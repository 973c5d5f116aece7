import {Command, Errors} from '@oclif/core';
import {UserError} from '../sources/errors.js';
import {HttpError} from '../sources/http.js';
import {sanitize} from '../render/text.js';

/**
 * Base of every command: errors become one line on stderr and the exit code of PRODUCT.md §2
 * (2 usage or input, 3 cluster unreadable), never a stack trace. KUBECTL_FAILOVER_DEBUG=1 shows it.
 */
export abstract class BaseCommand extends Command {
  protected fail(message: string, exit: 2 | 3): never {
    process.stderr.write(`error: ${sanitize(message)}\n`);
    return this.exit(exit);
  }

  override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    if (process.env.KUBECTL_FAILOVER_DEBUG) process.stderr.write(`${err.stack}\n`);
    if (err instanceof UserError) return this.fail(err.message, err.exitCode);
    if (err instanceof HttpError) return this.fail(err.message, 3);
    // oclif's own parse errors (unknown flag, bad option value): usage errors.
    const name = err.constructor?.name ?? '';
    if (/Parse|Flag|Arg|Options|Required|Unexpected|Nonexistent|Failed/.test(name) || (err as {parse?: unknown}).parse) {
      return this.fail(err.message.split('\n').filter((l) => l.trim() && !/^\s*See more help/.test(l))[0]!.trim(), 2);
    }
    return this.fail(`unexpected: ${err.message.split('\n')[0]} (set KUBECTL_FAILOVER_DEBUG=1 for details)`, 2);
  }
}
