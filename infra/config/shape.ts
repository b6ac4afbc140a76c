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

export interface StackSettings {
  readonly dir: string;
  readonly postgresPassword: string;
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
  readonly auth: AuthSettings;
  readonly realtime: RealtimeSettings;
  readonly kafka: KafkaSettings;
  /** How the publisher batches concurrent callers into produce requests. */
  readonly publisher: { readonly lingerMs: number; readonly maxBatchEvents: number };
  readonly registry: { readonly url: string; readonly auth?: { readonly username: string; readonly password: string } };
  readonly database: { readonly url: string; readonly ssl: boolean; readonly poolMax: number };
  readonly aws: AwsSettings;
  readonly lake: { readonly bucket: string };
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
    publisher: { lingerMs: v.PUBLISH_LINGER_MS, maxBatchEvents: v.PUBLISH_MAX_BATCH_EVENTS },
    registry: {
      url: v.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
      ...(v.SCHEMA_REGISTRY_USERNAME && v.SCHEMA_REGISTRY_PASSWORD
        ? { auth: { username: v.SCHEMA_REGISTRY_USERNAME, password: v.SCHEMA_REGISTRY_PASSWORD } }
        : {}),
    },
    database: { url: v.DATABASE_URL, ssl: v.DATABASE_SSL, poolMax: v.DATABASE_POOL_MAX },
    aws: awsSettings(v),
    lake: { bucket: v.LAKE_BUCKET },
    stack: {
      dir: resolve(v.STACK_DIR),
      postgresPassword: v.STACK_POSTGRES_PASSWORD,
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
