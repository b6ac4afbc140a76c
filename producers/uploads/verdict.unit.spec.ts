import { describe, expect, it } from 'vitest';
import type { Attachment } from '../../projections/uploads/queries.ts';
import { judge, type LandedObject } from './verdict.ts';

const SETTINGS = { allowedContentTypes: ['image/*', 'application/pdf'] };
const EXPIRES = new Date('2026-11-22T10:15:00Z');

function attachment(overrides: Partial<Attachment> = {}): Attachment {
  return {
    attachmentId: '6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91',
    organizationId: 'org-1',
    status: 'generated',
    bucket: 'uploads',
    objectKey: 'uploads/org-1/6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91',
    fileName: null,
    caseId: null,
    ownerId: null,
    requestedBy: 'app',
    contentType: null,
    declaredSizeBytes: null,
    maxSizeBytes: 1000,
    sizeBytes: null,
    checksum: null,
    versionId: null,
    multipartUploadId: null,
    tags: [],
    metadata: {},
    requestedAt: new Date('2026-11-22T10:00:00Z'),
    expiresAt: EXPIRES,
    uploadedAt: null,
    rejection: null,
    deletedAt: null,
    updatedAt: new Date('2026-11-22T10:00:00Z'),
    ...overrides,
  };
}

const landed = (overrides: Partial<LandedObject> = {}): LandedObject => ({
  sizeBytes: 500,
  contentType: 'image/jpeg',
  versionId: 'v1',
  eTag: 'abc',
  landedAt: new Date('2026-11-22T10:05:00Z'),
  ...overrides,
});

describe('judge: does a landed object complete its attachment', () => {
  it('when the object keeps every limit, then the attachment completes', () => {
    expect(judge(landed(), attachment(), SETTINGS)).toEqual({ kind: 'complete' });
  });

  it('when the object is larger than allowed, then it is rejected as too_large', () => {
    expect(judge(landed({ sizeBytes: 1001 }), attachment(), SETTINGS)).toMatchObject({
      kind: 'reject',
      reason: 'too_large',
    });
  });

  it('when the object differs from the declared size, then it is rejected as size_mismatch', () => {
    expect(judge(landed({ sizeBytes: 499 }), attachment({ declaredSizeBytes: 500 }), SETTINGS)).toMatchObject({
      reason: 'size_mismatch',
    });
  });

  it('when the type is not allowed, or not the one the URL was issued for, then it is rejected as content_type_not_allowed', () => {
    expect(judge(landed({ contentType: 'text/html' }), attachment(), SETTINGS)).toMatchObject({
      reason: 'content_type_not_allowed',
    });
    expect(
      judge(landed({ contentType: 'image/png' }), attachment({ contentType: 'image/jpeg' }), SETTINGS),
    ).toMatchObject({
      reason: 'content_type_not_allowed',
    });
  });

  it('when a single PUT landed after its URL expired, then it is rejected as expired; a multipart upload is checked at completion instead', () => {
    const late = landed({ landedAt: new Date('2026-11-22T10:15:01Z') });
    expect(judge(late, attachment({ status: 'expired' }), SETTINGS)).toMatchObject({ reason: 'expired' });
    expect(judge(late, attachment({ multipartUploadId: 'up-1' }), SETTINGS)).toEqual({ kind: 'complete' });
  });

  it('when the same object is seen again after it completed, then it is a duplicate; another object through the same URL is unknown_key', () => {
    const done = attachment({ status: 'uploaded', versionId: 'v1', checksum: 'abc' });
    expect(judge(landed(), done, SETTINGS)).toEqual({ kind: 'duplicate' });
    expect(judge(landed({ versionId: 'v2' }), done, SETTINGS)).toMatchObject({ reason: 'unknown_key' });
  });

  it('when the attachment was rejected or deleted, then anything landing for it is unknown_key', () => {
    for (const status of ['rejected', 'deleted'] as const)
      expect(judge(landed(), attachment({ status }), SETTINGS)).toMatchObject({ reason: 'unknown_key' });
  });
});
