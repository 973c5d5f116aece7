/** An error the CLI turns into one line on stderr and an exit code (PRODUCT.md §2). */
export class UserError extends Error {
  constructor(
    message: string,
    /** 2 usage or input error, 3 the cluster could not be read. */
    readonly exitCode: 2 | 3 = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
