import type { Config } from '../../infra/config/index.ts';
import { CursorCodec, type CursorScope } from '../paging/cursor.ts';

/** The groups listings, each with the shape of its sort key. */
const LISTINGS = {
  groups: { listing: 'GET /v1/groups', shape: ['string', 'string'] },
  groupMembers: { listing: 'GET /v1/groups/{groupId}/members', shape: ['string'] },
  memberGroups: { listing: 'GET /v1/members/{memberId}/groups', shape: ['string'] },
} as const;

export type GroupsListing = keyof typeof LISTINGS;

/**
 * The groups routes' cursors, through the API's one paging codec (api/paging): opaque, bound to
 * the listing, the caller's organization and the group or member paged in, so a cursor altered or
 * carried to another listing is 400 `invalid_cursor`.
 */
export class GroupsCursors {
  private readonly codec: CursorCodec;

  constructor(config: Pick<Config, 'auth'>) {
    this.codec = CursorCodec.fromConfig(config);
  }

  /** The sort key after which the page starts, from the `cursor` a previous page gave; none for the first page. */
  after(listing: GroupsListing, organizationId: string, parent: string | undefined, token: string | undefined) {
    if (token === undefined) return undefined;
    return this.codec.decode(this.scope(listing, organizationId, parent), token, LISTINGS[listing].shape) as string[];
  }

  next(listing: GroupsListing, organizationId: string, parent: string | undefined, key: readonly string[]): string {
    return this.codec.encode(this.scope(listing, organizationId, parent), key);
  }

  private scope(listing: GroupsListing, organizationId: string, parent: string | undefined): CursorScope {
    return { listing: LISTINGS[listing].listing, organizationId, ...(parent !== undefined ? { parent } : {}) };
  }
}
