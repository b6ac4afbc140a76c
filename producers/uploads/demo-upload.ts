import { UploadBuckets } from '../../infra/uploads/bucket-setup.ts';
import { UploadLayout } from '../../infra/uploads/layout.ts';
import type { DemoActionContext } from '../../slices/slice.ts';
import { requestUploads } from './request-uploads.ts';

/** A 1x1 PNG, a one-page PDF and a text note: small, real files of the allowed kinds. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj ' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

function demoFile(round: number): { name: string; contentType: string; body: Buffer } {
  switch (Math.floor(round / 3) % 3) {
    case 0:
      return { name: `wound-photo-${round}.png`, contentType: 'image/png', body: PNG };
    case 1:
      return { name: `referral-letter-${round}.pdf`, contentType: 'application/pdf', body: PDF };
    default:
      return {
        name: `consultation-notes-${round}.txt`,
        contentType: 'text/plain',
        body: Buffer.from(`Consultation notes, round ${round}: patient reports improvement.\n`),
      };
  }
}

const bucketsOf = new WeakMap<object, UploadBuckets>();

/**
 * Every third round, uploads one file the way seed 000's mobile app does: ask for a URL bound to
 * the file, PUT it to S3; S3's notification and the bridge make it `uploaded` on the dashboard.
 */
export async function demoUpload(context: DemoActionContext): Promise<void> {
  if (context.round % 3 !== 0) return;
  const { config, aws } = context;
  const layout = new UploadLayout(config.uploads, config.environment);
  let buckets = bucketsOf.get(aws);
  if (!buckets) {
    buckets = new UploadBuckets(aws, config.uploads, layout);
    bucketsOf.set(aws, buckets);
  }
  const file = demoFile(context.round);
  const { uploads } = await requestUploads(
    {
      s3: aws.s3,
      presigner: aws.presigner,
      ensureBucket: (bucket) => buckets.ensureOnce(bucket),
      layout,
      settings: config.uploads,
      publisher: context.publisher,
      environment: context.environment,
      now: () => context.now,
    },
    { organizationId: context.organizationId, subject: 'mobile-app', correlationId: crypto.randomUUID() },
    {
      caseId: `case-${1 + (context.round % 4)}`,
      files: [{ name: file.name, contentType: file.contentType, sizeBytes: file.body.length, tags: ['demo'] }],
    },
  );
  const put = uploads[0]?.put;
  if (!put) throw new Error('the demo upload was not given a single PUT URL');
  const response = await fetch(put.url, { method: 'PUT', headers: put.headers, body: new Uint8Array(file.body) });
  if (!response.ok) throw new Error(`the demo upload was refused: ${response.status} ${await response.text()}`);
}
