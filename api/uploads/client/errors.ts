/** Who refused: the Tributary API, the storage (S3) a URL points to, the network, or the client's own checks. */
export type ErrorSource = 'api' | 'storage' | 'network' | 'client';

/**
 * Why an upload did not happen, in the words of whoever refused it: the API's problem+json
 * `code` and `detail`, or S3's `<Code>` and `<Message>`. `expired` says that a fresh URL would
 * help (the client retries once on its own); `canRetry` that trying again later might.
 */
export class UploadClientError extends Error {
  override readonly name = 'UploadClientError';
  constructor(
    readonly source: ErrorSource,
    readonly code: string,
    readonly status: number | undefined,
    readonly detail: string,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}: ${source}${status === undefined ? '' : ` answered ${status}`} ${code}: ${detail}`, options);
  }

  /** The URL had expired (S3 `AccessDenied` "Request has expired", or the API's 410 `expired`). */
  get expired(): boolean {
    if (this.source === 'api') return this.code === 'expired';
    if (this.source !== 'storage') return false;
    return (
      (this.status === 403 || this.status === 400) && (this.code === 'ExpiredToken' || /expired/i.test(this.detail))
    );
  }

  get canRetry(): boolean {
    if (this.source === 'network' || this.expired) return true;
    return this.status !== undefined && (this.status === 429 || this.status >= 500);
  }
}

/** The API's problem+json answer (RFC 9457), or what there is of it. */
export async function apiError(response: Response, what: string): Promise<UploadClientError> {
  const text = await response.text().catch(() => '');
  let body: { code?: unknown; detail?: unknown; title?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON (a proxy's page): the status and the text say what there is to say
  }
  const code = typeof body.code === 'string' ? body.code : `http_${response.status}`;
  const detail =
    typeof body.detail === 'string'
      ? body.detail
      : typeof body.title === 'string'
        ? body.title
        : text.slice(0, 200) || response.statusText;
  return new UploadClientError('api', code, response.status, detail, what);
}

/** S3's XML error (`<Error><Code>AccessDenied</Code><Message>Request has expired</Message>…`). */
export async function storageError(response: Response, what: string): Promise<UploadClientError> {
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `http_${response.status}`;
  const detail = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? (text.slice(0, 200) || response.statusText);
  return new UploadClientError('storage', code, response.status, detail, what);
}

/** fetch itself failed: no answer at all (offline, DNS, CORS refused in a browser). */
export function networkError(error: unknown, what: string): UploadClientError {
  const detail = error instanceof Error ? error.message : String(error);
  return new UploadClientError('network', 'network_error', undefined, detail, what, { cause: error });
}

export function isExpired(error: unknown): boolean {
  return error instanceof UploadClientError && error.expired;
}
