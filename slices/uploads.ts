import { uploadsRoutes } from '../api/uploads/routes.ts';
import { READ_ATTACHMENTS_SCOPE, UPLOAD_SCOPE } from '../api/uploads/schemas.ts';
import { notificationBridgeWorker } from '../producers/uploads/bridge-worker.ts';
import { demoUpload } from '../producers/uploads/demo-upload.ts';
import { attachments } from '../projections/uploads/projection.ts';
import { defineSlice } from './slice.ts';

/**
 * Attachments uploaded through pre-signed S3 URLs (seeds 000 and 003): URLs in batches, buckets
 * set up on demand, S3's notifications turned into `uploaded` or `rejected`, the attachments read
 * model and its routes.
 */
export const uploadsSlice = defineSlice({
  name: 'uploads',
  doc: 'Attachments uploaded through pre-signed S3 URLs (seeds 000 and 003).',
  projections: { attachments },
  routes: uploadsRoutes,
  workers: (context) => [notificationBridgeWorker(context)],
  scopes: [
    { name: UPLOAD_SCOPE, doc: 'Ask for upload URLs; rename, re-tag and delete attachments.' },
    { name: READ_ATTACHMENTS_SCOPE, doc: "List, read and download the organization's attachments." },
  ],
  realtime: [
    {
      name: 'attachment_uploaded',
      doc: 'An attachment finished uploading.',
      filterKeys: ['attachmentId'],
      from: { UploadCompleted: (e) => ({ attachmentId: e.payload.attachmentId }) },
    },
    {
      name: 'attachment_rejected',
      doc: 'An upload was refused: expired, too large, of a type not allowed, or nobody asked for it.',
      filterKeys: ['attachmentId'],
      from: { UploadRejected: (e) => ({ attachmentId: e.payload.attachmentId }) },
    },
  ],
  demoActions: demoUpload,
});
