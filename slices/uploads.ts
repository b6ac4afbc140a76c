import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

/** Attachments uploaded through pre-signed URLs (seeds 000, 003): the realtime topic so far; URLs and buckets come next. */
export const uploadsSlice = defineSlice({
  name: 'uploads',
  doc: 'Attachments uploaded through pre-signed S3 URLs (seeds 000 and 003).',
  realtime: [
    {
      name: 'attachment_uploaded',
      doc: 'An attachment finished uploading.',
      filterKeys: ['attachmentId'],
      from: { UploadCompleted: (e) => ({ attachmentId: e.payload.attachmentId }) },
    },
  ],
  demo(context) {
    if (context.round % 3 !== 0) return [];
    const attachmentId = crypto.randomUUID();
    return [
      {
        type: 'UploadCompleted',
        metadata: demoMetadata(context, 'mobile-app'),
        payload: {
          attachmentId,
          bucket: `tributary-${context.environment}-uploads`,
          objectKey: `${context.organizationId}/${attachmentId}/receipt-${context.round}.jpg`,
          versionId: null,
          sizeBytes: 120_000 + context.round * 1000,
          checksum: 'd41d8cd98f00b204e9800998ecf8427e',
          contentType: 'image/jpeg',
          uploadedAt: context.now,
        },
      },
    ];
  },
});
