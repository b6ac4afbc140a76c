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

export function createSqsClient(settings: AwsSettings): SQSClient {
  return new SQSClient(common(settings));
}

export function createSsmClient(settings: AwsSettings): SSMClient {
  return new SSMClient(common(settings));
}

export function createAthenaClient(settings: AwsSettings): AthenaClient {
  return new AthenaClient(common(settings));
}
