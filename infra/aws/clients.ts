import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsSettings } from '../config/shape.ts';

/**
 * The one place AWS SDK clients are built. Endpoint overrides (moto on the local stack) and
 * path-style addressing live here and nowhere else; against real AWS the settings carry no
 * endpoint and no keys, and the SDK's default provider chain supplies credentials.
 */
function common(settings: AwsSettings) {
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // A copy: the SDK marks the credentials object it is given, and ours is frozen.
    ...(settings.credentials ? { credentials: { ...settings.credentials } } : {}),
  };
}

export function createS3Client(settings: AwsSettings): S3Client {
  // moto serves buckets by path, not by virtual host names under the endpoint.
  return new S3Client({ ...common(settings), forcePathStyle: settings.endpoint !== undefined });
}

/**
 * An S3 client for pre-signing URLs someone else will use. The SDK's default flexible checksums
 * would sign a CRC32 of the empty body into every PUT URL (`x-amz-checksum-crc32=AAAAAA==`), which
 * real S3 then holds against the uploaded file and refuses; checksums only where S3 requires them.
 */
export function createPresigningS3Client(settings: AwsSettings): S3Client {
  return new S3Client({
    ...common(settings),
    forcePathStyle: settings.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export function createSqsClient(settings: AwsSettings): SQSClient {
  return new SQSClient(common(settings));
}

export function createSsmClient(settings: AwsSettings): SSMClient {
  return new SSMClient(common(settings));
}

export function createAthenaClient(settings: AwsSettings): AthenaClient {
  return new AthenaClient(common(settings));
}

/** The clients a slice may need, built once per process from the same settings. */
export interface AwsClients {
  readonly s3: S3Client;
  /** For URLs handed to clients: see createPresigningS3Client. */
  readonly presigner: S3Client;
  readonly sqs: SQSClient;
  /** For the log lake's queries when LAKE_QUERY_ENGINE is athena. */
  readonly athena: AthenaClient;
}

export function createAwsClients(settings: AwsSettings): AwsClients {
  return {
    s3: createS3Client(settings),
    presigner: createPresigningS3Client(settings),
    sqs: createSqsClient(settings),
    athena: createAthenaClient(settings),
  };
}
