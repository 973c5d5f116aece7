import {Command, Errors} from '@oclif/core';
import {failureOf, writeFailure} from './failure.js';

/**
 * Base of every command: errors become one line on stderr and the exit code of PRODUCT.md §2
 * (2 usage or input, 3 cluster unreadable), never a stack trace. KUBECTL_FAILOVER_DEBUG=1 shows it.
 */
export abstract class BaseCommand extends Command {
  protected fail(message: string, exit: 2 | 3): never {
    writeFailure(message);
    return this.exit(exit);
  }

  override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    if (process.env.KUBECTL_FAILOVER_DEBUG) process.stderr.write(`${err.stack}\n`);
    const {message, exit} = failureOf(err);
    return this.fail(message, exit);
  }
}
