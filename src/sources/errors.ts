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

/** A non-2xx answer from the API server, with the Status message when there is one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Retry-After of a 429/5xx answer, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A network-level failure (no complete answer), phrased for one line; `code` is Node's. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}
