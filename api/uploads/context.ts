import type { FastifyRequest } from 'fastify';
import { UploadBuckets } from '../../infra/uploads/bucket-setup.ts';
import { UploadLayout } from '../../infra/uploads/layout.ts';
import type { Requester } from '../../producers/uploads/request-uploads.ts';
import type { Projection } from '../../projections/projection.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';

/** What the uploads routes share: the layout, the buckets (set up on first use) and the read model. */
export interface UploadsContext {
  readonly options: SliceRouteOptions;
  readonly projection: Projection;
  readonly layout: UploadLayout;
  readonly buckets: UploadBuckets;
}

export function uploadsContext(options: SliceRouteOptions): UploadsContext {
  const projection = options.projections.attachments;
  if (!projection) throw new Error('the uploads routes need the attachments projection');
  const layout = new UploadLayout(options.config.uploads, options.config.environment);
  const buckets = new UploadBuckets(options.aws, options.config.uploads, layout);
  return { options, projection, layout, buckets };
}

/** The caller, as the events it causes record it. */
export function requesterOf(request: FastifyRequest): Requester {
  const principal = principalOf(request);
  return { organizationId: principal.organizationId, subject: principal.subject, correlationId: request.id };
}
