import type { ReceivedBatch } from './api.ts';
import { UploadClientError } from './errors.ts';
import type { IssuedUpload } from './wire.ts';

/** A blank URL of the pool, with its expiry on the client's clock. */
export interface PooledUrl {
  readonly upload: IssuedUpload;
  readonly expiresAtMs: number;
}

export interface UrlPoolOptions {
  /** Asks the API for a batch of blank URLs. */
  readonly fetchBatch: () => Promise<ReceivedBatch>;
  /** The client's clock, in ms. */
  readonly now: () => number;
  /** A URL this close to its expiry is no longer handed out: the upload must start before S3 checks it. */
  readonly marginMs: number;
}

/** Seed 000's threshold, until the server says its own. */
const DEFAULT_REFILL_BELOW = 5;
/** Batches that bring no usable URL (every one expired on arrival) before take() gives up. */
const MAX_EMPTY_BATCHES = 2;

/**
 * Seed 000's pool of pre-signed URLs (upload procedure, step 4). It asks for more when fewer than
 * the server's `refillBelow` are left, when a URL was refused as expired, and when it knows a URL
 * has expired from its `expiresAt` (such URLs are dropped, never handed out). take() is the only
 * way out and is synchronous once URLs are there, so two uploads never get the same URL; there
 * is at most one request for URLs in flight, and everyone waiting shares it.
 */
export class UrlPool {
  private unused: PooledUrl[] = [];
  private refilling: Promise<number> | undefined;
  private refillBelow = DEFAULT_REFILL_BELOW;

  constructor(private readonly options: UrlPoolOptions) {}

  /** URLs ready to be handed out now (expired ones are not counted). */
  get available(): number {
    this.dropExpired();
    return this.unused.length;
  }

  async take(): Promise<PooledUrl> {
    for (let emptyBatches = 0; ;) {
      this.dropExpired();
      const next = this.unused.shift();
      if (next) {
        this.refillIfLow();
        return next;
      }
      // Others may take what this refill brings before this caller wakes up: only a batch with no
      // usable URL at all (the clocks disagree beyond repair) counts towards giving up.
      if ((await this.refill()) === 0 && ++emptyBatches >= MAX_EMPTY_BATCHES)
        throw new UploadClientError(
          'client',
          'no_usable_url',
          undefined,
          `${MAX_EMPTY_BATCHES} batches of URLs were all expired or about to expire on arrival`,
          'taking an upload URL',
        );
    }
  }

  /** A URL taken but not used (the file did not fit it) goes back to the front. */
  putBack(url: PooledUrl): void {
    this.unused.unshift(url);
  }

  /**
   * S3 refused `url` as expired: so is every URL that expires no later (the clocks disagree more
   * than the margin allows). They are dropped, and more are asked for at once.
   */
  refusedAsExpired(url: PooledUrl): void {
    // Compared on the server's clock: every batch reads the server's Date to its own second.
    const refused = Date.parse(url.upload.expiresAt);
    this.unused = this.unused.filter((u) => Date.parse(u.upload.expiresAt) > refused);
    void this.refill().catch(() => undefined);
  }

  /** Asks for one batch, unless a request is already in flight; resolves to the usable URLs it added. */
  refill(): Promise<number> {
    this.refilling ??= this.fetchMore().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  private async fetchMore(): Promise<number> {
    const { batch, serverNowMs } = await this.options.fetchBatch();
    const receivedAtMs = this.options.now();
    // expiresAt is on the server's clock; a device's clock can be minutes off (seed 000's app runs
    // on phones). The server's Date header is accurate to a second, well within the margin.
    const skewMs = serverNowMs === undefined ? 0 : receivedAtMs - serverNowMs;
    this.refillBelow = batch.refillBelow;
    const fresh = batch.uploads
      .filter((upload) => upload.put !== undefined)
      .map((upload) => ({ upload, expiresAtMs: Date.parse(upload.expiresAt) + skewMs }))
      .filter((url) => this.usable(url));
    this.unused.push(...fresh);
    return fresh.length;
  }

  private refillIfLow(): void {
    // In the background: the caller has its URL. A failure here is not lost: the next take()
    // that finds the pool empty asks again and reports what went wrong.
    if (this.unused.length < this.refillBelow) void this.refill().catch(() => undefined);
  }

  private dropExpired(): void {
    this.unused = this.unused.filter((url) => this.usable(url));
  }

  private usable(url: PooledUrl): boolean {
    return url.expiresAtMs - this.options.marginMs > this.options.now();
  }
}
