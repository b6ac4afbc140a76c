import type { UploadSettings } from '../config/shape.ts';
import { OperatorError } from '../errors.ts';
import { isOrganizationId } from '../organization-id.ts';

/**
 * Where an upload lives: which bucket, under which key. Keys start with `uploads/` so the
 * bucket's notification can be filtered to them, and so quarantined copies (under
 * `quarantine/`) never notify again. The organization is in the key under both strategies, so
 * an object always says whose it claims to be (a bucket name only holds a sanitised form):
 *
 *   uploads/<organizationId>/<attachmentId>
 */
export const UPLOAD_PREFIX = 'uploads/';
export const QUARANTINE_PREFIX = 'quarantine/';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type UploadLayoutSettings = Pick<UploadSettings, 'bucketStrategy' | 'bucket' | 'bucketTemplate'>;

export interface UploadLocation {
  readonly bucket: string;
  readonly key: string;
}

export class UploadLayout {
  constructor(
    private readonly settings: UploadLayoutSettings,
    private readonly environment: string,
  ) {}

  /** The bucket an organization's uploads go to. */
  bucketOf(organizationId: string): string {
    if (this.settings.bucketStrategy === 'shared') return this.settings.bucket;
    const segment = organizationId
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '');
    // An id of nothing but punctuation would name the bucket of no organization (or another's).
    if (segment === '')
      throw new OperatorError(`organization id '${organizationId}' has no letter or digit to name a bucket with`);
    const name = this.settings.bucketTemplate
      .replaceAll('{environment}', this.environment)
      .replaceAll('{organization}', segment);
    if (!BUCKET_NAME.test(name) || name.includes('..'))
      throw new OperatorError(
        `UPLOADS_BUCKET_TEMPLATE gives '${name}' for organization '${organizationId}', which is not a valid S3 bucket name`,
      );
    return name;
  }

  /** Where a new attachment of the organization is stored. */
  locationOf(organizationId: string, attachmentId: string): UploadLocation {
    if (!isOrganizationId(organizationId))
      throw new OperatorError(`organization id '${organizationId}' cannot be used in an object key`);
    return { bucket: this.bucketOf(organizationId), key: `${UPLOAD_PREFIX}${organizationId}/${attachmentId}` };
  }

  /**
   * The attachment a stored object claims to be, read from its key; undefined for a key this
   * layout never hands out. Whether anyone requested it is for the read model to say.
   */
  parse(location: UploadLocation): { readonly organizationId: string; readonly attachmentId: string } | undefined {
    if (!location.key.startsWith(UPLOAD_PREFIX)) return undefined;
    const segments = location.key.slice(UPLOAD_PREFIX.length).split('/');
    if (segments.length !== 2) return undefined;
    const [organizationId, attachmentId] = segments as [string, string];
    if (!isOrganizationId(organizationId) || !UUID.test(attachmentId)) return undefined;
    // An object in another organization's bucket is not where this layout would have put it.
    try {
      if (this.bucketOf(organizationId) !== location.bucket) return undefined;
    } catch {
      return undefined;
    }
    return { organizationId, attachmentId };
  }

  /** Where a rejected object is moved when rejected objects are quarantined. */
  quarantineKeyOf(key: string): string {
    return `${QUARANTINE_PREFIX}${key.startsWith(UPLOAD_PREFIX) ? key.slice(UPLOAD_PREFIX.length) : key}`;
  }

  /** An ARN pattern matching every upload bucket of this configuration (for the queue's policy). */
  bucketArnPattern(): string {
    if (this.settings.bucketStrategy === 'shared') return `arn:aws:s3:::${this.settings.bucket}`;
    return `arn:aws:s3:::${this.settings.bucketTemplate
      .replaceAll('{environment}', this.environment)
      .replaceAll('{organization}', '*')}`;
  }
}
