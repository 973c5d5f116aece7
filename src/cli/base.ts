import {Command, Errors} from '@oclif/core';
import {HttpError, NetworkError, UserError} from '../sources/errors.js';
import {oneLine} from '../render/text.js';

/**
 * Base of every command: errors become one line on stderr and the exit code of PRODUCT.md §2
 * (2 usage or input, 3 cluster unreadable), never a stack trace. KUBECTL_FAILOVER_DEBUG=1 shows it.
 */
export abstract class BaseCommand extends Command {
  protected fail(message: string, exit: 2 | 3): never {
    // One line, whatever the message holds (a server's text, a file name from a bundle…).
    process.stderr.write(`error: ${oneLine(message, 2000)}\n`);
    return this.exit(exit);
  }

  override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    if (process.env.KUBECTL_FAILOVER_DEBUG) process.stderr.write(`${err.stack}\n`);
    if (err instanceof UserError) return this.fail(err.message, err.exitCode);
    if (err instanceof HttpError || err instanceof NetworkError) return this.fail(err.message, 3);
    // oclif's own parse errors (unknown flag, bad option value): usage errors.
    const name = err.constructor?.name ?? '';
    if (/Parse|Flag|Arg|Options|Required|Unexpected|Nonexistent|Failed/.test(name) || (err as {parse?: unknown}).parse) {
      return this.fail(err.message.split('\n').filter((l) => l.trim() && !/^\s*See more help/.test(l))[0]?.trim() ?? 'invalid usage', 2);
    }
    return this.fail(`unexpected: ${String(err?.message ?? err).split('\n')[0]} (set KUBECTL_FAILOVER_DEBUG=1 for details)`, 2);
  }
}
