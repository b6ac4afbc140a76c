/** Who is calling: from a verified token, never from the request body. */
export interface Principal {
  readonly subject: string;
  readonly organizationId: string;
  readonly scopes: ReadonlySet<string>;
}

/** The scopes that gate actions (seed 002: scopes restrict who may do what). */
export const SCOPES = {
  publishEvents: 'events:publish',
  readEvents: 'events:read',
  subscribeRealtime: 'realtime:subscribe',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** The custom claim carrying the organization; `scope` is the OAuth 2 space-separated claim. */
export const ORGANIZATION_CLAIM = 'org';
