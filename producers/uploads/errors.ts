import { TributaryError, type FieldProblem } from '../../infra/errors.ts';

/** Why an upload cannot go ahead, in the caller's terms: the code says which rule, the field says where. */
export class UploadError extends TributaryError {
  override readonly name = 'UploadError';
}

export const uploadError = {
  invalid: (problems: readonly FieldProblem[]) =>
    new UploadError({
      status: 400,
      code: problems.some((p) => p.problem.includes('content type')) ? 'content_type_not_allowed' : 'too_large',
      title: 'The upload breaks a limit',
      detail: problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
      errors: problems,
    }),
  tooManyUrls: (asked: number, most: number, field = 'body.count') =>
    new UploadError({
      status: 400,
      code: 'too_many_urls',
      title: 'Too many upload URLs asked for',
      detail: `asked for ${asked} URLs; one request may ask for at most ${most}`,
      errors: [{ field, problem: `must be at most ${most}` }],
    }),
  notFound: (attachmentId: string) =>
    new UploadError({ status: 404, code: 'not_found', title: 'Not found', detail: `no attachment ${attachmentId}` }),
  /** A deleted attachment is gone: its name and metadata are not shown; the listing's `status=deleted` keeps the record. */
  deleted: (attachmentId: string, deletedAt: Date | null) =>
    new UploadError({
      status: 410,
      code: 'deleted',
      title: 'The attachment is deleted',
      detail: `attachment ${attachmentId} was deleted${deletedAt ? ` at ${deletedAt.toISOString()}` : ''}`,
    }),
  notMultipart: (attachmentId: string) =>
    new UploadError({
      status: 409,
      code: 'not_multipart',
      title: 'Not a multipart upload',
      detail: `attachment ${attachmentId} was issued a single PUT URL; there is nothing to complete or abort`,
    }),
  notWaiting: (attachmentId: string, status: string) =>
    new UploadError({
      status: 409,
      code: 'not_waiting',
      title: 'The attachment is not waiting for an upload',
      detail: `attachment ${attachmentId} is ${status}`,
    }),
  expired: (attachmentId: string, expiresAt: Date) =>
    new UploadError({
      status: 410,
      code: 'expired',
      title: 'The upload URL has expired',
      detail: `the URLs of attachment ${attachmentId} expired at ${expiresAt.toISOString()}; ask for new ones`,
    }),
  notUploaded: (attachmentId: string, status: string) =>
    new UploadError({
      status: 409,
      code: 'not_uploaded',
      title: 'Nothing to download',
      detail: `attachment ${attachmentId} is ${status}, not uploaded`,
    }),
  /** S3 refused what the client sent (a missing part, a part too small, a wrong ETag). */
  refusedByStorage: (attachmentId: string, s3Code: string, message: string) =>
    new UploadError({
      status: 400,
      code: 'upload_refused',
      title: 'Storage refused the upload',
      detail: `attachment ${attachmentId}: ${s3Code}: ${message}`,
    }),
};
