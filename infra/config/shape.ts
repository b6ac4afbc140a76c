import { resolve } from 'node:path';
import type { ParsedValues } from './variables.ts';

export interface AwsSettings {
  readonly region: string;
  /** Set for the local stack (moto); unset against real AWS. */
  readonly endpoint?: string;
  /** Static keys when configured; otherwise the SDK's default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The processors' consumer groups: how long a silent instance keeps its partitions (absent: 30 s). */
  readonly sessionTimeoutMs?: number;
  readonly ssl: false | { readonly caFile?: string };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

export interface AuthSettings {
  readonly algorithm: 'HS256' | 'RS256' | 'ES256';
  readonly secret?: string;
  readonly publicKeyFile?: string;
  readonly jwksFile?: string;
  readonly privateKeyFile?: string;
  readonly issuer: string;
  readonly audience: string;
}

export interface RealtimeSettings {
  readonly allowedOrigins: readonly string[];
  readonly maxConnectionsPerToken: number;
  readonly resumeBuffer: number;
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
}

/** The log lake (seed 004): where its files go and when a file closes. */
export interface LakeSettings {
  readonly bucket: string;
  readonly target: 'directory' | 's3';
  readonly directory: string;
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly flushIntervalMs: number;
  readonly query: LakeQuerySettings;
  /** Tributary's own logs into the lake; off unless enabled. */
  readonly shipping: LogShippingSettings;
  /** The `log_error` rate limit: one notification per organization per window. */
  readonly alertWindowMs: number;
}

/** What runs the lake's queries: DuckDB over the files, or Athena over the bucket. */
export interface LakeQuerySettings {
  readonly engine: 'duckdb' | 'athena';
  readonly athena: {
    readonly database: string;
    readonly workgroup: string;
    readonly outputLocation?: string;
    readonly pollMs: number;
  };
}

export interface LogShippingSettings {
  readonly enabled: boolean;
  readonly organizationId?: string;
  readonly logType: ParsedValues['LOG_SHIPPING_TYPE'];
  readonly level: ParsedValues['LOG_SHIPPING_LEVEL'];
}

/** Import jobs: the data-delivery bucket, its notification queue, and how often progress is told. */
export interface ImportSettings {
  readonly bucket: string;
  readonly queue: string;
  readonly progressIntervalMs: number;
  readonly visibilitySeconds: number;
  readonly csv: {
    readonly encoding: 'auto' | 'utf-8' | 'latin1';
    readonly delimiter: 'auto' | 'comma' | 'semicolon' | 'tab' | 'pipe';
  };
}

/** Uploads (seed 000): where objects go, how buckets are set up, and the limits of an upload URL. */
export interface UploadSettings {
  readonly bucketStrategy: 'shared' | 'per-organization';
  /** The bucket of the `shared` strategy. */
  readonly bucket: string;
  /** The bucket name of the `per-organization` strategy, with `{environment}` and `{organization}`. */
  readonly bucketTemplate: string;
  readonly queue: string;
  readonly corsOrigins: readonly string[];
  /** Unset: SSE-S3 (AES256). */
  readonly kmsKeyId?: string;
  readonly replication?: {
    readonly bucketArn: string;
    readonly roleArn: string;
    readonly storageClass: ParsedValues['UPLOADS_REPLICATION_STORAGE_CLASS'];
    readonly kmsKeyArn?: string;
  };
  readonly abortIncompleteDays: number;
  readonly urlBatch: number;
  readonly urlMaxBatch: number;
  readonly refillThreshold: number;
  readonly urlTtlSeconds: number;
  readonly downloadTtlSeconds: number;
  readonly maxSizeBytes: number;
  readonly multipartThresholdBytes: number;
  readonly multipartPartBytes: number;
  readonly allowedContentTypes: readonly string[];
  readonly rejectedObjects: 'quarantine' | 'delete';
  readonly unknownKeyGraceSeconds: number;
}

/** Messaging (seed 002): who may create threads and post, how long a message may be, and push notifications. */
export interface MessagingSettings {
  /** A caller needs one of these (besides messages:write) to create a thread; empty: no restriction. */
  readonly createThreadScopes: readonly string[];
  /** A caller needs one of these (besides messages:write) to post in an existing thread; empty: no restriction. */
  readonly replyScopes: readonly string[];
  readonly maxBodyBytes: number;
  readonly push: PushSettings;
}

/** The notification service the push processor calls; off unless enabled. */
export interface PushSettings {
  readonly enabled: boolean;
  readonly url?: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly events: readonly ('MessageSent' | 'ThreadCreated' | 'ParticipantAdded')[];
  readonly attempts: number;
  readonly timeoutMs: number;
}

export interface StackSettings {
  readonly dir: string;
  readonly postgresPassword: string;
  /** Kafka nodes: 1, or 3 (replication factor 3, min.insync.replicas 2). */
  readonly kafkaBrokers: number;
  /** moto replays its request recording when it starts, so a restart keeps its state. */
  readonly awsDurable: boolean;
  readonly ports: {
    readonly kafka: number;
    readonly kafkaController: number;
    readonly registry: number;
    readonly registryManagement: number;
    readonly postgres: number;
    readonly aws: number;
  };
}

export interface Config {
  readonly environment: string;
  readonly log: { readonly level: ParsedValues['LOG_LEVEL']; readonly format: ParsedValues['LOG_FORMAT'] };
  readonly ssmEnabled: boolean;
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly rateLimitPerMinute: number;
    readonly readWaitMs: number;
  };
  /** The operations listener of a processors-role process: metrics and health, for Prometheus and probes. */
  readonly ops: { readonly host: string; readonly port: number; readonly heartbeatMs: number };
  readonly auth: AuthSettings;
  readonly realtime: RealtimeSettings;
  readonly kafka: KafkaSettings;
  /** How the publisher batches concurrent callers into produce requests. */
  readonly publisher: { readonly lingerMs: number; readonly maxBatchEvents: number; readonly producers: number };
  readonly registry: { readonly url: string; readonly auth?: { readonly username: string; readonly password: string } };
  readonly database: { readonly url: string; readonly ssl: boolean; readonly poolMax: number };
  readonly aws: AwsSettings;
  readonly lake: LakeSettings;
  readonly uploads: UploadSettings;
  readonly imports: ImportSettings;
  readonly messaging: MessagingSettings;
  readonly stack: StackSettings;
}

export function awsSettings(v: ParsedValues): AwsSettings {
  return {
    region: v.AWS_REGION,
    ...(v.AWS_ENDPOINT_URL ? { endpoint: v.AWS_ENDPOINT_URL } : {}),
    ...(v.AWS_ACCESS_KEY_ID && v.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY } }
      : {}),
  };
}

/** Turns validated variables into the typed, deeply frozen configuration object. */
export function buildConfig(v: ParsedValues): Config {
  const config: Config = {
    environment: v.ENVIRONMENT,
    log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT },
    ssmEnabled: v.CONFIG_SSM_ENABLED,
    api: {
      host: v.API_HOST,
      port: v.API_PORT,
      bodyLimitBytes: v.API_BODY_LIMIT_BYTES,
      rateLimitPerMinute: v.API_RATE_LIMIT_PER_MINUTE,
      readWaitMs: v.API_READ_WAIT_MS,
    },
    ops: { host: v.OPS_HOST, port: v.OPS_PORT, heartbeatMs: v.INSTANCE_HEARTBEAT_MS },
    realtime: {
      allowedOrigins: v.REALTIME_ALLOWED_ORIGINS,
      maxConnectionsPerToken: v.REALTIME_MAX_CONNECTIONS_PER_TOKEN,
      resumeBuffer: v.REALTIME_RESUME_BUFFER,
      heartbeatMs: v.REALTIME_HEARTBEAT_MS,
      maxBufferedBytes: v.REALTIME_MAX_BUFFERED_BYTES,
    },
    auth: {
      algorithm: v.AUTH_JWT_ALGORITHM,
      ...(v.AUTH_JWT_SECRET ? { secret: v.AUTH_JWT_SECRET } : {}),
      ...(v.AUTH_JWT_PUBLIC_KEY_FILE ? { publicKeyFile: v.AUTH_JWT_PUBLIC_KEY_FILE } : {}),
      ...(v.AUTH_JWT_JWKS_FILE ? { jwksFile: v.AUTH_JWT_JWKS_FILE } : {}),
      ...(v.AUTH_JWT_PRIVATE_KEY_FILE ? { privateKeyFile: v.AUTH_JWT_PRIVATE_KEY_FILE } : {}),
      issuer: v.AUTH_JWT_ISSUER,
      audience: v.AUTH_JWT_AUDIENCE,
    },
    kafka: {
      brokers: v.KAFKA_BROKERS,
      clientId: v.KAFKA_CLIENT_ID,
      sessionTimeoutMs: v.KAFKA_SESSION_TIMEOUT_MS,
      ssl: v.KAFKA_SSL ? (v.KAFKA_SSL_CA_FILE ? { caFile: v.KAFKA_SSL_CA_FILE } : {}) : false,
      ...(v.KAFKA_SASL_MECHANISM !== 'none' && v.KAFKA_SASL_USERNAME && v.KAFKA_SASL_PASSWORD
        ? {
            sasl: {
              mechanism: v.KAFKA_SASL_MECHANISM,
              username: v.KAFKA_SASL_USERNAME,
              password: v.KAFKA_SASL_PASSWORD,
            },
          }
        : {}),
    },
    publisher: {
      lingerMs: v.PUBLISH_LINGER_MS,
      maxBatchEvents: v.PUBLISH_MAX_BATCH_EVENTS,
      producers: v.PUBLISH_PRODUCERS,
    },
    registry: {
      url: v.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
      ...(v.SCHEMA_REGISTRY_USERNAME && v.SCHEMA_REGISTRY_PASSWORD
        ? { auth: { username: v.SCHEMA_REGISTRY_USERNAME, password: v.SCHEMA_REGISTRY_PASSWORD } }
        : {}),
    },
    database: { url: v.DATABASE_URL, ssl: v.DATABASE_SSL, poolMax: v.DATABASE_POOL_MAX },
    aws: awsSettings(v),
    lake: {
      bucket: v.LAKE_BUCKET,
      target: v.LAKE_TARGET,
      directory: resolve(v.LAKE_DIRECTORY),
      maxRows: v.LAKE_FILE_MAX_ROWS,
      maxBytes: v.LAKE_FILE_MAX_BYTES,
      maxAgeMs: v.LAKE_FILE_MAX_AGE_SECONDS * 1000,
      flushIntervalMs: v.LAKE_FLUSH_INTERVAL_MS,
      query: {
        engine: v.LAKE_QUERY_ENGINE,
        athena: {
          database: v.ATHENA_DATABASE,
          workgroup: v.ATHENA_WORKGROUP,
          ...(v.ATHENA_OUTPUT_LOCATION ? { outputLocation: v.ATHENA_OUTPUT_LOCATION } : {}),
          pollMs: v.ATHENA_POLL_MS,
        },
      },
      shipping: {
        enabled: v.LOG_SHIPPING_ENABLED,
        ...(v.LOG_SHIPPING_ORGANIZATION ? { organizationId: v.LOG_SHIPPING_ORGANIZATION } : {}),
        logType: v.LOG_SHIPPING_TYPE,
        level: v.LOG_SHIPPING_LEVEL,
      },
      alertWindowMs: v.LOG_ERROR_ALERT_WINDOW_SECONDS * 1000,
    },
    uploads: uploadSettings(v),
    imports: {
      bucket: v.IMPORTS_BUCKET,
      queue: v.IMPORTS_QUEUE,
      progressIntervalMs: v.IMPORTS_PROGRESS_INTERVAL_MS,
      visibilitySeconds: v.IMPORTS_VISIBILITY_SECONDS,
      csv: { encoding: v.IMPORTS_CSV_ENCODING, delimiter: v.IMPORTS_CSV_DELIMITER },
    },
    messaging: {
      createThreadScopes: v.MESSAGING_CREATE_THREAD_SCOPES,
      replyScopes: v.MESSAGING_REPLY_SCOPES,
      maxBodyBytes: v.MESSAGING_MAX_BODY_BYTES,
      push: {
        enabled: v.MESSAGING_PUSH_ENABLED,
        ...(v.MESSAGING_PUSH_URL ? { url: v.MESSAGING_PUSH_URL } : {}),
        ...(v.MESSAGING_PUSH_USERNAME && v.MESSAGING_PUSH_PASSWORD
          ? { credentials: { username: v.MESSAGING_PUSH_USERNAME, password: v.MESSAGING_PUSH_PASSWORD } }
          : {}),
        events: v.MESSAGING_PUSH_EVENTS,
        attempts: v.MESSAGING_PUSH_ATTEMPTS,
        timeoutMs: v.MESSAGING_PUSH_TIMEOUT_MS,
      },
    },
    stack: {
      dir: resolve(v.STACK_DIR),
      postgresPassword: v.STACK_POSTGRES_PASSWORD,
      kafkaBrokers: v.STACK_KAFKA_BROKERS,
      awsDurable: v.STACK_AWS_DURABLE,
      ports: {
        kafka: v.STACK_KAFKA_PORT,
        kafkaController: v.STACK_KAFKA_CONTROLLER_PORT,
        registry: v.STACK_REGISTRY_PORT,
        registryManagement: v.STACK_REGISTRY_MANAGEMENT_PORT,
        postgres: v.STACK_POSTGRES_PORT,
        aws: v.STACK_AWS_PORT,
      },
    },
  };
  return deepFreeze(config);
}

function uploadSettings(v: ParsedValues): UploadSettings {
  return {
    bucketStrategy: v.UPLOADS_BUCKET_STRATEGY,
    bucket: v.UPLOADS_BUCKET,
    bucketTemplate: v.UPLOADS_BUCKET_TEMPLATE,
    queue: v.UPLOADS_QUEUE,
    corsOrigins: v.UPLOADS_CORS_ORIGINS,
    ...(v.UPLOADS_KMS_KEY_ID ? { kmsKeyId: v.UPLOADS_KMS_KEY_ID } : {}),
    ...(v.UPLOADS_REPLICATION_BUCKET_ARN && v.UPLOADS_REPLICATION_ROLE_ARN
      ? {
          replication: {
            bucketArn: v.UPLOADS_REPLICATION_BUCKET_ARN,
            roleArn: v.UPLOADS_REPLICATION_ROLE_ARN,
            storageClass: v.UPLOADS_REPLICATION_STORAGE_CLASS,
            ...(v.UPLOADS_REPLICATION_KMS_KEY_ARN ? { kmsKeyArn: v.UPLOADS_REPLICATION_KMS_KEY_ARN } : {}),
          },
        }
      : {}),
    abortIncompleteDays: v.UPLOADS_ABORT_INCOMPLETE_DAYS,
    urlBatch: v.UPLOADS_URL_BATCH,
    urlMaxBatch: v.UPLOADS_URL_MAX_BATCH,
    refillThreshold: v.UPLOADS_REFILL_THRESHOLD,
    urlTtlSeconds: v.UPLOADS_URL_TTL_SECONDS,
    downloadTtlSeconds: v.UPLOADS_DOWNLOAD_TTL_SECONDS,
    maxSizeBytes: v.UPLOADS_MAX_SIZE_BYTES,
    multipartThresholdBytes: v.UPLOADS_MULTIPART_THRESHOLD_BYTES,
    multipartPartBytes: v.UPLOADS_MULTIPART_PART_BYTES,
    allowedContentTypes: v.UPLOADS_ALLOWED_CONTENT_TYPES,
    rejectedObjects: v.UPLOADS_REJECTED_OBJECTS,
    unknownKeyGraceSeconds: v.UPLOADS_UNKNOWN_KEY_GRACE_SECONDS,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
