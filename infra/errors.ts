/** One field of a request or an event that is wrong, and how. */
export interface FieldProblem {
  /** Dotted path, e.g. `body.payload.subject`. */
  readonly field: string;
  readonly problem: string;
}

export interface TributaryErrorOptions {
  /** The HTTP status it answers with. */
  readonly status: number;
  /** Stable and machine-readable: clients branch on it, so it never changes once published. */
  readonly code: string;
  /** Short, the same for every error with this code. */
  readonly title: string;
  /** This occurrence, safe to show to the caller. */
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
  /** Response headers it needs, e.g. WWW-Authenticate or Retry-After. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Whether trying again can help; by default only for 408, 429 and 5xx. */
  readonly retriable?: boolean;
  /** For logs and stack traces; the detail, else the title, when absent. */
  readonly message?: string;
  readonly cause?: unknown;
}

/**
 * A failure of Tributary's domain: it knows its HTTP status, a stable code and what to tell the
 * caller, so the API's one error handler turns any of them into problem+json (api/errors.ts),
 * and it says whether a retry can help, which the consumer runtime reads (`retriable === false`
 * dead-letters at once).
 */
export class TributaryError extends Error {
  override readonly name: string = 'TributaryError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
  readonly headers: Readonly<Record<string, string>>;
  readonly retriable: boolean;

  constructor(options: TributaryErrorOptions) {
    super(
      options.message ?? options.detail ?? options.title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = options.status;
    this.code = options.code;
    this.title = options.title;
    if (options.detail !== undefined) this.detail = options.detail;
    if (options.errors !== undefined) this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.retriable = options.retriable ?? (options.status >= 500 || options.status === 408 || options.status === 429);
  }
}

/**
 * A problem the person running Tributary can fix (bad configuration, a port in use, an unknown
 * name): the CLI prints its message alone, without a stack trace.
 *
 * Deliberately not a TributaryError: it speaks to the operator at a terminal, not to an API
 * client. Its messages name variables, hosts and files that a client must not see, and none of
 * them is the client's fault, so should one reach the API it is answered like any unexpected
 * error (500, details only in the log). Being outside the hierarchy keeps that by construction.
 */
export class OperatorError extends Error {
  override name = 'OperatorError';
}
