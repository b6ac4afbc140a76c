/** Who is calling: from a verified token, never from the request body. */
export interface Principal {
  readonly subject: string;
  readonly organizationId: string;
  readonly scopes: ReadonlySet<string>;
  /** When the token stops vouching for the caller: a realtime socket opened with it closes then. */
  readonly expiresAt: Date;
}

/** A permission a token can carry in its `scope` claim (seed 002: scopes restrict who may do what). */
export interface ScopeDeclaration {
  readonly name: string;
  readonly doc: string;
}

/** The scopes of the platform's own routes; slices declare theirs in their manifests. */
export const SCOPES = {
  publishEvents: 'events:publish',
  subscribeRealtime: 'realtime:subscribe',
} as const;

export const PLATFORM_SCOPES: readonly ScopeDeclaration[] = [
  { name: SCOPES.publishEvents, doc: 'Publish events over HTTP.' },
  { name: SCOPES.subscribeRealtime, doc: 'Open the realtime websocket, take tickets and manage REST subscriptions.' },
];

/** The custom claim carrying the organization; `scope` is the OAuth 2 space-separated claim. */
export const ORGANIZATION_CLAIM = 'org';

/**
 * What a subject (a token's `sub`) may be: 1 to 255 characters (code points), not all blank, none
 * a control character (C0, DEL or C1). A subject takes part in threads, so the messaging routes
 * take participant ids by the same rule (`auth0|5f7c…` included): a caller who can create a
 * thread can always be named in one.
 */
export const SUBJECT_MAX_LENGTH = 255;
// Blanks (not controls), then one character neither blank nor control, then no controls.
export const SUBJECT_PATTERN =
  '^[^\\S\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$';
const SUBJECT = new RegExp(SUBJECT_PATTERN, 'u');

export function isSubject(value: string): boolean {
  return [...value].length <= SUBJECT_MAX_LENGTH && SUBJECT.test(value);
}
