import type { Static } from '@fastify/type-provider-typebox';
import type { AttachmentJson, IssuedUploadsResponse, UploadRequestBody } from '../schemas.ts';

// The client's view of the API is the routes' own schemas: a change there fails the client's
// compile rather than its users. Type-only imports, so nothing of the server reaches the bundle.

/** The body of POST /v1/uploads/urls. */
export type UrlRequest = Static<typeof UploadRequestBody>;
/** Its 201 answer: a batch of URLs, the refill threshold, when they expire. */
export type IssuedBatch = Static<typeof IssuedUploadsResponse>;
/** One URL of a batch: a single `put`, or `multipart` for a large declared file. */
export type IssuedUpload = IssuedBatch['uploads'][number];
export type SignedPut = NonNullable<IssuedUpload['put']>;
export type SignedMultipart = NonNullable<IssuedUpload['multipart']>;
/** GET /v1/attachments/{id}. */
export type Attachment = Static<typeof AttachmentJson>;

/** A bearer token, or a function that gives the current one (it is asked before every API call). */
export type TokenSource = () => string | Promise<string>;
