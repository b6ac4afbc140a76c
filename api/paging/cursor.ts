import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../infra/config/index.ts';
import { ApiError } from '../errors.ts';

/** One part of a row's place in a listing's order: a date, an id, a sequence number. */
export type CursorPart = string | number;

const MAC_CHARS = 22; // 16 bytes of HMAC-SHA256, base64url
const MAX_TOKEN = 1000;

/**
 * The one paging cursor of every listing (seed 004's base64url paging tokens): the last row's
 * sort key as base64url JSON, then a MAC over the key and the listing's scope. The scope names
 * the listing, the caller's organization, the parent it pages in (an account, a thread) and the
 * filters, so a cursor that was altered, or carried to another listing, account, organization or
 * filter, is refused with 400 `invalid_cursor` before any query runs; one that passes is a place
 * this API gave, and its parts need no further checks than their types.
 *
 * The key is derived from the token-signing secret (HS256); with asymmetric tokens there is no
 * shared secret, and the key comes from the issuer and audience: the cursor is then bound to its
 * scope rather than secret. Either way a cursor grants nothing: every query is also filtered by
 * the caller's organization.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('tributary/paging-cursor/v1').digest();
  }

  static fromConfig(config: Pick<Config, 'auth'>): CursorCodec {
    return new CursorCodec(config.auth.secret ?? `${config.auth.issuer}\u0000${config.auth.audience}`);
  }

  encode(scope: CursorScope, position: readonly CursorPart[]): string {
    const body = Buffer.from(JSON.stringify(position)).toString('base64url');
    return `${body}.${this.mac(scope, body)}`;
  }

  /** The position a token of this scope carries, with the types `shape` names; 400 for anything else. */
  decode<const S extends readonly ('string' | 'number')[]>(
    scope: CursorScope,
    token: string,
    shape: S,
  ): { -readonly [I in keyof S]: S[I] extends 'string' ? string : number } {
    const dot = token.lastIndexOf('.');
    if (token.length <= MAX_TOKEN && dot > 0) {
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1));
      const expected = Buffer.from(this.mac(scope, body));
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        const position = parse(body);
        if (
          Array.isArray(position) &&
          position.length === shape.length &&
          position.every((part, index) => typeof part === shape[index])
        )
          return position as never;
      }
    }
    throw invalidCursor(scope.listing);
  }

  private mac(scope: CursorScope, body: string): string {
    return createHmac('sha256', this.key)
      .update(JSON.stringify([scope.listing, scope.organizationId, scope.parent ?? null, scope.filters ?? {}]))
      .update('\u0000')
      .update(body)
      .digest('base64url')
      .slice(0, MAC_CHARS);
  }
}

/** What a cursor is bound to. */
export interface CursorScope {
  /** The route, e.g. `GET /v1/accounts/{id}/transactions`. */
  readonly listing: string;
  readonly organizationId: string;
  /** The thing being paged in (an account, a thread), when the listing is inside one. */
  readonly parent?: string;
  /** The listing's filters and order: a cursor of one filtered listing does not page another. */
  readonly filters?: Readonly<Record<string, unknown>>;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function invalidCursor(listing: string): ApiError {
  return new ApiError(
    400,
    'invalid_cursor',
    'The cursor is not one this API gave',
    'pass the nextCursor of a page as it is, with the same filters',
    [{ field: 'querystring.cursor', problem: `not a cursor of ${listing} for this caller and these filters` }],
  );
}
