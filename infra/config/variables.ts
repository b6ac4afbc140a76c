import { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/topics.ts';

/**
 * Every configuration variable Tributary reads, with its default and meaning.
 * The README's configuration table and `tributary config` are written from this list.
 *
 * A default may depend on other variables (the local stack's ports) and is only given in the
 * local environments: in `staging` or `production`, connection settings must be set
 * explicitly, so a deployed service never talks to a developer's localhost by accident.
 */
export interface Variable {
  readonly doc: string;
  readonly schema: z.ZodType;
  /** A literal default, or one computed from the raw values of the other variables. */
  readonly default?: string | ((raw: RawValues) => string | undefined);
  /** Secret values are never printed, logged or echoed in an error. */
  readonly secret?: boolean;
}

export type RawValues = Readonly<Record<string, string | undefined>>;

const LOCAL_ENVIRONMENTS = new Set(['local', 'test']);

/** The operations port of a processors-role process outside local and test; `export --per-processor` counts up from it. */
export const DEFAULT_OPS_PORT = 18090;

export function isLocalEnvironment(raw: RawValues): boolean {
  return LOCAL_ENVIRONMENTS.has(raw.ENVIRONMENT ?? 'local');
}

/** A default that exists only on a developer's machine or in CI, pointing at the local stack. */
function local(compute: (raw: RawValues) => string): (raw: RawValues) => string | undefined {
  return (raw) => (isLocalEnvironment(raw) ? compute(raw) : undefined);
}

/** The local stack's own settings, which the connection defaults above are derived from. */
const STACK_DEFAULTS = {
  STACK_KAFKA_PORT: '19092',
  STACK_KAFKA_CONTROLLER_PORT: '19093',
  STACK_REGISTRY_PORT: '18081',
  STACK_REGISTRY_MANAGEMENT_PORT: '19000',
  STACK_POSTGRES_PORT: '15432',
  STACK_POSTGRES_PASSWORD: 'tributary',
  STACK_AWS_PORT: '15000',
} as const;

function stackPort(raw: RawValues, name: keyof typeof STACK_DEFAULTS): string {
  return raw[name] ?? STACK_DEFAULTS[name];
}

/** Node i (0-based) of a multi-broker local stack listens 10 ports above node i-1. */
export const STACK_KAFKA_NODE_PORT_STEP = 10;

/** The local stack's broker addresses: one per node of STACK_KAFKA_BROKERS. */
function stackBrokers(raw: RawValues): string {
  const first = Number(stackPort(raw, 'STACK_KAFKA_PORT'));
  const nodes = Number(raw.STACK_KAFKA_BROKERS ?? '1');
  const count = Number.isInteger(nodes) && nodes > 0 ? nodes : 1;
  return Array.from({ length: count }, (_, i) => `127.0.0.1:${first + STACK_KAFKA_NODE_PORT_STEP * i}`).join(',');
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');
const positiveInt = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be positive');
const nonNegativeInt = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more');
// http(s) only: the three URL variables are HTTP APIs (an ftp:// URL was taken, and failed at first use).
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://host:port/path' });
const optionalText = z.string().min(1).optional();

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
/** A comma-separated list, trimmed, empty entries dropped. */
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name');

export const variables = {
  ENVIRONMENT: {
    doc: 'Name of this deployment (local, test, staging, production, ...). Prefixes SSM parameters (/<ENVIRONMENT>/) and is stamped on every event. Outside local and test, connection settings have no defaults.',
    schema: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    default: 'local',
  },
  LOG_LEVEL: {
    doc: 'Minimum pino log level.',
    schema: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
  },
  LOG_FORMAT: {
    doc: 'json (one JSON object per line), pretty (human-readable), or auto (pretty on a terminal, json otherwise).',
    schema: oneOf(['auto', 'json', 'pretty']),
    default: 'auto',
  },
  CONFIG_SSM_ENABLED: {
    doc: 'Read SSM parameters under /<ENVIRONMENT>/ (recursively, decrypted) after the environment; the last path segment names the variable, and SSM values win.',
    schema: bool,
    default: 'false',
  },
  API_HOST: {
    doc: 'Interface the API listens on.',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  API_PORT: {
    doc: 'Port the API listens on.',
    schema: port,
    default: '18080',
  },
  API_BODY_LIMIT_BYTES: {
    doc: "Largest request body the API accepts; bigger gets 413 body_too_large. Defaults to the topics' max.message.bytes; an event under it whose record is still too large for its topic gets 413 event_too_large.",
    schema: positiveInt,
    // The topics' max.message.bytes, so one figure bounds what ingest takes. A large event is large
    // for its strings and arrays, which Avro keeps about as large as JSON does, so a body over it
    // could rarely be written anyway and is refused before it is parsed. A body under it whose
    // record is still too large for its topic (the metadata, key and headers added) is refused by
    // the publisher's own check before anything is sent: 413 event_too_large, never a 500.
    default: String(DEFAULT_MAX_MESSAGE_BYTES),
  },
  API_RATE_LIMIT_PER_MINUTE: {
    doc: 'Requests per minute one token (subject and organization) may make to the ingest and query routes; more get 429.',
    schema: positiveInt,
    default: '600',
  },
  API_READ_WAIT_MS: {
    doc: 'Longest a read with ?after=<position> waits for the projection to reach that position before answering 503.',
    schema: positiveInt,
    default: '5000',
  },
  OPS_HOST: {
    doc: 'Interface the operations listener of a `--role processors` process listens on (/metrics, /health/live, /health/ready); an API process serves them on its own port.',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  OPS_PORT: {
    doc: 'Port of that operations listener; 0 takes a free port (start and `projections status` print it). Defaults to 0 in the local and test environments, where several processes share a machine, and 18090 elsewhere; several processor processes on one machine each need their own (`export systemd|procfile --per-processor` gives each its own, from 18091).',
    schema: nonNegativeInt.max(65535, 'must be between 0 and 65535'),
    default: (raw) => (isLocalEnvironment(raw) ? '0' : String(DEFAULT_OPS_PORT)),
  },
  INSTANCE_HEARTBEAT_MS: {
    doc: 'How often each process records itself in Postgres (host, pid, role, processors, lag) for `tributary projections status`; one missing three beats shows as stale, one missing for an hour is deleted.',
    schema: positiveInt,
    default: '10000',
  },
  REALTIME_ALLOWED_ORIGINS: {
    doc: 'Comma-separated browser origins allowed to open the realtime websocket (clients that send no Origin are not browsers and pass).',
    schema: list,
    default: (raw) => `http://127.0.0.1:${raw.API_PORT ?? '18080'},http://localhost:${raw.API_PORT ?? '18080'}`,
  },
  REALTIME_MAX_CONNECTIONS_PER_TOKEN: {
    doc: 'Open websocket connections one token (subject and organization) may hold on one API instance; more get 429.',
    schema: positiveInt,
    default: '5',
  },
  REALTIME_RESUME_BUFFER: {
    doc: 'Notifications kept in memory per partition for resuming clients; an older position is told to refetch.',
    schema: positiveInt,
    default: '50000',
  },
  REALTIME_HEARTBEAT_MS: {
    doc: 'Interval of websocket pings; a connection that has not answered the previous one is closed.',
    schema: positiveInt,
    default: '15000',
  },
  REALTIME_MAX_BUFFERED_BYTES: {
    doc: 'Bytes a slow websocket client may have waiting before it is closed (code 4008) rather than slowing the others.',
    schema: positiveInt,
    default: '1048576',
  },
  AUTH_JWT_ALGORITHM: {
    doc: 'The one algorithm bearer tokens must be signed with (pinned; alg none never passes): HS256, RS256 or ES256.',
    schema: oneOf(['HS256', 'RS256', 'ES256']),
    default: 'HS256',
  },
  AUTH_JWT_SECRET: {
    doc: 'HS256 shared secret (at least 32 characters), shared with the auth service that issues tokens.',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    default: local(() => 'tributary-local-development-secret-do-not-deploy'),
    secret: true,
  },
  AUTH_JWT_PUBLIC_KEY_FILE: {
    doc: 'RS256/ES256: PEM file (SPKI) with the public key that verifies tokens.',
    schema: optionalText,
  },
  AUTH_JWT_JWKS_FILE: {
    doc: 'RS256/ES256: JSON Web Key Set file with the verification keys, chosen by the token\u2019s kid.',
    schema: optionalText,
  },
  AUTH_JWT_PRIVATE_KEY_FILE: {
    doc: 'RS256/ES256: PEM file (PKCS#8) `tributary token` signs development tokens with.',
    schema: optionalText,
  },
  AUTH_JWT_ISSUER: {
    doc: 'Required `iss` claim of every token.',
    schema: z.string().min(1),
    default: 'tributary',
  },
  AUTH_JWT_AUDIENCE: {
    doc: 'Required `aud` claim of every token.',
    schema: z.string().min(1),
    default: 'tributary-api',
  },
  KAFKA_BROKERS: {
    doc: 'Comma-separated bootstrap brokers, host:port.',
    schema: z
      .string()
      .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'must be host:port[,host:port...]')
      .transform((v) => v.split(',')),
    default: local(stackBrokers),
  },
  KAFKA_CLIENT_ID: {
    doc: 'Client id sent to the brokers (shows in broker logs and quotas).',
    schema: z.string().min(1),
    default: 'tributary',
  },
  KAFKA_SESSION_TIMEOUT_MS: {
    doc: 'How long a processor instance may go silent before its consumer groups give its partitions to the other instances: a crashed instance\u2019s partitions pause this long plus a rebalance (a SIGTERM hands them over at once). Shorter moves them sooner; too short, and a GC pause or a slow network moves them needlessly. The brokers bound it (6 s to 30 min by default).',
    schema: positiveInt.min(1000, 'must be at least 1000 (milliseconds)'),
    default: '30000',
  },
  KAFKA_SSL: {
    doc: 'Connect to the brokers over TLS.',
    schema: bool,
    default: 'false',
  },
  KAFKA_SSL_CA_FILE: {
    doc: 'PEM file with the CA that signed the brokers\u2019 certificates (default: the system CAs).',
    schema: optionalText,
  },
  KAFKA_SASL_MECHANISM: {
    doc: 'SASL mechanism: none, plain, scram-sha-256 or scram-sha-512.',
    schema: oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512']),
    default: 'none',
  },
  KAFKA_SASL_USERNAME: {
    doc: 'SASL user name (required when KAFKA_SASL_MECHANISM is not none).',
    schema: optionalText,
  },
  KAFKA_SASL_PASSWORD: {
    doc: 'SASL password (required when KAFKA_SASL_MECHANISM is not none).',
    schema: optionalText,
    secret: true,
  },
  PUBLISH_LINGER_MS: {
    doc: "How long the publisher holds a lone batch so that concurrent ones share its produce request (Kafka's linger.ms); 0 sends at once.",
    schema: nonNegativeInt,
    default: '2',
  },
  PUBLISH_MAX_BATCH_EVENTS: {
    doc: 'Events waiting that make the publisher send a produce request at once, without lingering.',
    schema: positiveInt,
    default: '500',
  },
  PUBLISH_PRODUCERS: {
    doc: 'Idempotent producers per publisher, each the only writer of its share of the partitions (partition modulo this count), so that as many produce requests are in flight at once; 1 sends one request at a time.',
    schema: positiveInt,
    default: '3',
  },
  SCHEMA_REGISTRY_URL: {
    doc: 'Base URL of the Confluent-compatible schema registry API (Apicurio: .../apis/ccompat/v7).',
    schema: url,
    default: local((raw) => `http://127.0.0.1:${stackPort(raw, 'STACK_REGISTRY_PORT')}/apis/ccompat/v7`),
  },
  SCHEMA_REGISTRY_USERNAME: {
    doc: 'Basic-auth user for the schema registry.',
    schema: optionalText,
  },
  SCHEMA_REGISTRY_PASSWORD: {
    doc: 'Basic-auth password for the schema registry.',
    schema: optionalText,
    secret: true,
  },
  DATABASE_URL: {
    doc: 'PostgreSQL connection URL for the read models (postgres://user:password@host:port/database).',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
      .refine(parsesAsUrl, 'must be a postgres:// URL with a valid host and port (at most 65535)'),
    default: local(
      (raw) =>
        `postgres://tributary:${stackPort(raw, 'STACK_POSTGRES_PASSWORD')}@127.0.0.1:${stackPort(raw, 'STACK_POSTGRES_PORT')}/tributary`,
    ),
    secret: true,
  },
  DATABASE_SSL: {
    doc: 'Connect to PostgreSQL over TLS, verifying the server certificate against the system CAs.',
    schema: bool,
    default: 'false',
  },
  DATABASE_POOL_MAX: {
    doc: 'Largest number of pooled PostgreSQL connections per process.',
    schema: positiveInt,
    default: '10',
  },
  AWS_REGION: {
    doc: 'AWS region for S3, SQS, SSM and Athena.',
    schema: z.string().min(1),
    default: 'us-east-1',
  },
  AWS_ENDPOINT_URL: {
    doc: 'Endpoint override for every AWS API (the local stack\u2019s moto server). Unset against real AWS.',
    schema: url.optional(),
    default: local((raw) => `http://127.0.0.1:${stackPort(raw, 'STACK_AWS_PORT')}`),
  },
  AWS_ACCESS_KEY_ID: {
    doc: 'Static AWS access key. Unset: the SDK\u2019s default provider chain (profile, SSO, instance or task role).',
    schema: optionalText,
    default: local(() => 'test'),
  },
  AWS_SECRET_ACCESS_KEY: {
    doc: 'Static AWS secret key, with AWS_ACCESS_KEY_ID.',
    schema: optionalText,
    default: local(() => 'test'),
    secret: true,
  },
  LAKE_BUCKET: {
    doc: 'S3 bucket holding the log lake (created with public access blocked, encryption and versioning when missing).',
    schema: bucketName,
    default: (raw) => `tributary-${raw.ENVIRONMENT ?? 'local'}-lake`,
  },
  LAKE_TARGET: {
    doc: 'Where the log lake\u2019s Parquet files go: `directory` (LAKE_DIRECTORY, the embedded default, queried by DuckDB) or `s3` (LAKE_BUCKET, queried by Athena or DuckDB). Same layout either way.',
    schema: oneOf(['directory', 's3']),
    default: 'directory',
  },
  LAKE_DIRECTORY: {
    doc: 'The lake directory of the `directory` target.',
    schema: z.string().min(1),
    default: (raw) => `${raw.STACK_DIR ?? '.stack'}/lake`,
  },
  LAKE_FILE_MAX_ROWS: {
    doc: 'A lake file closes once it holds this many entries (or LAKE_FILE_MAX_BYTES, or LAKE_FILE_MAX_AGE_SECONDS, whichever first); staged segments are whole, so a file may pass it by the rest of the segment that crossed it.',
    schema: positiveInt,
    default: '500000',
  },
  LAKE_FILE_MAX_BYTES: {
    doc: 'A lake file closes when its entries reach this many bytes (as JSON, before Parquet\u2019s compression): tens of MB suit Athena.',
    schema: positiveInt,
    default: '67108864',
  },
  LAKE_FILE_MAX_AGE_SECONDS: {
    doc: 'A lake file closes when its oldest entry has waited this long, whether or not newer entries arrive (an idle partition closes too). Seconds in development, minutes in production.',
    schema: positiveInt,
    default: (raw) => (isLocalEnvironment(raw) ? '10' : '300'),
  },
  LAKE_FLUSH_INTERVAL_MS: {
    doc: 'How often the lake looks for files to close.',
    schema: positiveInt,
    default: '1000',
  },
  LAKE_QUERY_ENGINE: {
    doc: 'What runs `tributary logs query` and `POST /v1/logs/query`: `duckdb` (over LAKE_TARGET\u2019s files, fetching from S3 only the objects of the query\u2019s partitions) or `athena` (ATHENA_WORKGROUP, ATHENA_DATABASE, ATHENA_OUTPUT_LOCATION, over LAKE_BUCKET).',
    schema: oneOf(['duckdb', 'athena']),
    default: 'duckdb',
  },
  ATHENA_DATABASE: {
    doc: 'The Glue/Athena database holding the lake\u2019s tables (one per log type, `tributary logs ddl --apply` creates them).',
    schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores'),
    default: 'tributary_logs',
  },
  ATHENA_WORKGROUP: {
    doc: 'The Athena workgroup queries run in (its limits and encryption apply).',
    schema: z.string().min(1),
    default: 'primary',
  },
  ATHENA_OUTPUT_LOCATION: {
    doc: 'Where Athena writes query results (s3://bucket/prefix/). Unset: the workgroup\u2019s own result location.',
    schema: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be an s3:// URL')
      .optional(),
    default: (raw) => `s3://${raw.LAKE_BUCKET ?? `tributary-${raw.ENVIRONMENT ?? 'local'}-lake`}/athena-results/`,
  },
  ATHENA_POLL_MS: {
    doc: 'How often a running Athena query\u2019s state is asked for.',
    schema: positiveInt,
    default: '500',
  },
  LOG_SHIPPING_ENABLED: {
    doc: 'Ship Tributary\u2019s own logs (API and processors) to the log lake as LogEntry events, through the publisher. The lake\u2019s own logs never ship (they would ship themselves forever).',
    schema: bool,
    default: 'false',
  },
  LOG_SHIPPING_ORGANIZATION: {
    doc: 'The organization Tributary\u2019s own log entries belong to (the operator\u2019s); required when LOG_SHIPPING_ENABLED.',
    schema: optionalText,
  },
  LOG_SHIPPING_TYPE: {
    doc: 'The log type of Tributary\u2019s own entries.',
    schema: oneOf(['web', 'app', 'agw', 'hub', 'connector', 'container', 'crash']),
    default: 'app',
  },
  LOG_SHIPPING_LEVEL: {
    doc: 'The lowest pino level shipped to the lake (what reaches stdout is LOG_LEVEL\u2019s business).',
    schema: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    default: 'info',
  },
  LOG_ERROR_ALERT_WINDOW_SECONDS: {
    doc: 'The `log_error` rate limit: at most one notification per organization per window of this many seconds of the entries\u2019 own time (seed 001\u2019s incident alerting).',
    schema: positiveInt,
    default: '60',
  },
  UPLOADS_BUCKET_STRATEGY: {
    doc: 'Where uploads are stored: `shared` (one bucket, one key prefix per organization) or `per-organization` (one bucket per organization, named by UPLOADS_BUCKET_TEMPLATE).',
    schema: oneOf(['shared', 'per-organization']),
    default: 'shared',
  },
  UPLOADS_BUCKET: {
    doc: 'The upload bucket of the `shared` strategy; created on the first URL request (or by `tributary buckets ensure`) with every setting seed 000 sets.',
    schema: bucketName,
    default: (raw) => `tributary-${raw.ENVIRONMENT ?? 'local'}-uploads`,
  },
  UPLOADS_BUCKET_TEMPLATE: {
    doc: 'Bucket name of the `per-organization` strategy; `{environment}` and `{organization}` are replaced (the organization id lower-cased, other characters than a-z, 0-9 and - turned into -).',
    schema: z.string().regex(/\{organization\}/, 'must contain {organization}'),
    default: 'tributary-{environment}-uploads-{organization}',
  },
  UPLOADS_QUEUE: {
    doc: 'SQS queue the upload buckets send object-created notifications to; created with a policy that lets those buckets (and only them) send.',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be an SQS queue name (letters, digits, - and _, at most 80)'),
    default: (raw) => `tributary-${raw.ENVIRONMENT ?? 'local'}-uploads`,
  },
  UPLOADS_CORS_ORIGINS: {
    doc: 'Comma-separated origins allowed to PUT into the upload buckets (CORS); `*` allows any, as seed 000 does: the pre-signed URL is the credential.',
    schema: list.pipe(z.array(z.string().min(1)).min(1, 'must name at least one origin')),
    default: '*',
  },
  UPLOADS_KMS_KEY_ID: {
    doc: 'KMS key (id or ARN) for encryption at rest (SSE-KMS). Unset: SSE-S3 (AES256).',
    schema: optionalText,
  },
  UPLOADS_REPLICATION_BUCKET_ARN: {
    doc: 'Replicate every upload to this bucket (ARN), for long-term backup; with UPLOADS_REPLICATION_ROLE_ARN. Unset: no replication.',
    schema: optionalText,
  },
  UPLOADS_REPLICATION_ROLE_ARN: {
    doc: 'IAM role S3 assumes to replicate uploads.',
    schema: optionalText,
  },
  UPLOADS_REPLICATION_STORAGE_CLASS: {
    doc: 'Storage class of the replicas.',
    schema: oneOf([
      'STANDARD',
      'STANDARD_IA',
      'ONEZONE_IA',
      'INTELLIGENT_TIERING',
      'GLACIER',
      'GLACIER_IR',
      'DEEP_ARCHIVE',
    ]),
    default: 'GLACIER',
  },
  UPLOADS_REPLICATION_KMS_KEY_ARN: {
    doc: 'KMS key the replicas are encrypted with in the destination bucket. Unset: the destination\u2019s default.',
    schema: optionalText,
  },
  UPLOADS_ABORT_INCOMPLETE_DAYS: {
    doc: 'Lifecycle rule: multipart uploads never completed are removed after this many days.',
    schema: positiveInt,
    default: '7',
  },
  UPLOADS_URL_BATCH: {
    doc: 'Upload URLs returned by one request when the caller does not say how many (seed 000: 20).',
    schema: positiveInt,
    default: '20',
  },
  UPLOADS_URL_MAX_BATCH: {
    doc: 'Most upload URLs one request may ask for.',
    schema: positiveInt,
    default: '100',
  },
  UPLOADS_REFILL_THRESHOLD: {
    doc: 'Told to clients with every batch: ask for more URLs when fewer than this many are left unused (seed 000: 5).',
    schema: nonNegativeInt,
    default: '5',
  },
  UPLOADS_URL_TTL_SECONDS: {
    doc: 'How long an upload URL works, in seconds.',
    schema: positiveInt.max(604_800, 'must be at most 604800 (7 days, the SigV4 limit)'),
    default: '900',
  },
  UPLOADS_DOWNLOAD_TTL_SECONDS: {
    doc: 'How long a download URL (the redirect of GET /v1/attachments/{id}/download) works, in seconds.',
    schema: positiveInt.max(3600, 'must be at most 3600'),
    default: '60',
  },
  UPLOADS_MAX_SIZE_BYTES: {
    doc: 'Largest upload, in bytes.',
    schema: positiveInt,
    default: '2147483648',
  },
  UPLOADS_MULTIPART_THRESHOLD_BYTES: {
    doc: 'Files declared larger than this get multipart upload URLs (one per part) instead of a single PUT.',
    schema: positiveInt.min(5_242_880, 'must be at least 5242880 (S3\u2019s smallest part)'),
    default: '104857600',
  },
  UPLOADS_MULTIPART_PART_BYTES: {
    doc: 'Size of each part of a multipart upload but the last.',
    schema: positiveInt.min(5_242_880, 'must be at least 5242880 (S3\u2019s smallest part)'),
    default: '16777216',
  },
  UPLOADS_ALLOWED_CONTENT_TYPES: {
    doc: 'Comma-separated content types an upload may have; `type/*` allows a whole family.',
    schema: list.pipe(
      z.array(z.string().regex(/^[a-z]+\/([a-z0-9.+-]+|\*)$/, 'must be type/subtype or type/*')).min(1),
    ),
    default: 'image/*,video/*,audio/*,application/pdf,text/plain',
  },
  UPLOADS_REJECTED_OBJECTS: {
    doc: 'What happens to an object that breaks its limits or that nobody requested: `quarantine` (moved under quarantine/ in its bucket) or `delete`.',
    schema: oneOf(['quarantine', 'delete']),
    default: 'quarantine',
  },
  UPLOADS_UNKNOWN_KEY_GRACE_SECONDS: {
    doc: 'How long the notification bridge keeps retrying an object whose attachment it cannot find yet before rejecting it as unknown.',
    schema: positiveInt,
    default: '60',
  },
  MESSAGING_CREATE_THREAD_SCOPES: {
    doc: 'Comma-separated scopes a caller needs at least one of, besides messages:write, to create a thread (seed 002\u2019s thread scopes). Empty: messages:write suffices.',
    schema: list.pipe(z.array(z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/, 'must be scope names'))),
    default: '',
  },
  MESSAGING_REPLY_SCOPES: {
    doc: 'Comma-separated scopes a caller needs at least one of, besides messages:write, to post in an existing thread (seed 002\u2019s reply scopes). Empty: messages:write suffices.',
    schema: list.pipe(z.array(z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/, 'must be scope names'))),
    default: '',
  },
  MESSAGING_MAX_BODY_BYTES: {
    doc: 'Largest message body, in UTF-8 bytes; a bigger one is refused with 413 message_too_large.',
    schema: positiveInt.max(262_144, 'must be at most 262144 (a message must fit in one event)'),
    default: '16384',
  },
  MESSAGING_PUSH_ENABLED: {
    doc: 'Call the notification service (MESSAGING_PUSH_URL) for the participants other than the actor of each event in MESSAGING_PUSH_EVENTS.',
    schema: bool,
    default: 'false',
  },
  MESSAGING_PUSH_URL: {
    doc: 'URL the push processor POSTs each notification to (seed 002\u2019s notification microservice); required when MESSAGING_PUSH_ENABLED.',
    schema: url.optional(),
  },
  MESSAGING_PUSH_USERNAME: {
    doc: 'User the push processor authenticates as (HTTP Basic), with MESSAGING_PUSH_PASSWORD. Unset: no Authorization header.',
    schema: optionalText,
  },
  MESSAGING_PUSH_PASSWORD: {
    doc: 'Password of MESSAGING_PUSH_USERNAME.',
    schema: optionalText,
    secret: true,
  },
  MESSAGING_PUSH_EVENTS: {
    doc: 'Comma-separated events that notify: MessageSent (the other participants), ThreadCreated (those invited), ParticipantAdded (the one added).',
    schema: list.pipe(
      z.array(oneOf(['MessageSent', 'ThreadCreated', 'ParticipantAdded'])).min(1, 'must name at least one event'),
    ),
    default: 'MessageSent',
  },
  MESSAGING_PUSH_ATTEMPTS: {
    doc: 'Tries of one event\u2019s notifications (the first included), with exponential backoff, before the event goes to messages.events.dlq.',
    schema: positiveInt.max(20, 'must be at most 20'),
    default: '5',
  },
  MESSAGING_PUSH_TIMEOUT_MS: {
    doc: 'Longest wait for the notification service to answer one call; a call past it is retried.',
    schema: positiveInt,
    default: '5000',
  },
  IMPORTS_BUCKET: {
    doc: 'The data-delivery bucket: a CSV put under `incoming/<organization>/<kind>/` is imported (its notification reaches IMPORTS_QUEUE); reports of rejected lines go under `reports/`. Created with public access blocked, encryption and versioning when missing.',
    schema: bucketName,
    default: (raw) => `tributary-${raw.ENVIRONMENT ?? 'local'}-deliveries`,
  },
  IMPORTS_QUEUE: {
    doc: 'SQS queue the data-delivery bucket sends object-created notifications to (for `incoming/` only); created with a policy that lets that bucket alone send.',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be an SQS queue name (letters, digits, - and _, at most 80)'),
    default: (raw) => `tributary-${raw.ENVIRONMENT ?? 'local'}-deliveries`,
  },
  IMPORTS_PROGRESS_INTERVAL_MS: {
    doc: 'How often a running import publishes ImportProgressed (and redraws the CLI\u2019s progress bar).',
    schema: positiveInt,
    default: '2000',
  },
  IMPORTS_VISIBILITY_SECONDS: {
    doc: 'How long a delivered file\u2019s notification stays hidden from other workers while one imports it; the worker extends it while the import runs, so a crashed worker\u2019s file is taken up again after at most this long.',
    schema: positiveInt,
    default: '60',
  },
  IMPORTS_CSV_ENCODING: {
    doc: 'The encoding of imported CSV files: `auto` (UTF-8, with or without BOM, when the start of the file is valid UTF-8; Latin-1 otherwise), `utf-8` or `latin1`.',
    schema: oneOf(['auto', 'utf-8', 'latin1']),
    default: 'auto',
  },
  IMPORTS_CSV_DELIMITER: {
    doc: 'The field delimiter of imported CSV files: `auto` (the one of comma, semicolon, tab and pipe the header line uses most), `comma`, `semicolon`, `tab` or `pipe`.',
    schema: oneOf(['auto', 'comma', 'semicolon', 'tab', 'pipe']),
    default: 'auto',
  },
  STACK_DIR: {
    doc: 'Folder of the local stack: tools, data, logs and pid files (git-ignored).',
    schema: z.string().min(1),
    default: '.stack',
  },
  STACK_KAFKA_PORT: { doc: 'Local stack: Kafka broker port.', schema: port, default: STACK_DEFAULTS.STACK_KAFKA_PORT },
  STACK_KAFKA_BROKERS: {
    doc: 'Local stack: how many Kafka nodes (each broker and controller): 1, or 3 for replication factor 3 and min.insync.replicas 2 (node n listens on STACK_KAFKA_PORT and STACK_KAFKA_CONTROLLER_PORT plus 10 × (n - 1)).',
    schema: z.coerce.number().pipe(z.union([z.literal(1), z.literal(3)], { error: 'must be 1 or 3' })),
    default: '1',
  },
  STACK_KAFKA_CONTROLLER_PORT: {
    doc: 'Local stack: Kafka KRaft controller port.',
    schema: port,
    default: STACK_DEFAULTS.STACK_KAFKA_CONTROLLER_PORT,
  },
  STACK_REGISTRY_PORT: {
    doc: 'Local stack: Apicurio Registry HTTP port.',
    schema: port,
    default: STACK_DEFAULTS.STACK_REGISTRY_PORT,
  },
  STACK_REGISTRY_MANAGEMENT_PORT: {
    doc: 'Local stack: Apicurio Registry management (health, metrics) port.',
    schema: port,
    default: STACK_DEFAULTS.STACK_REGISTRY_MANAGEMENT_PORT,
  },
  STACK_POSTGRES_PORT: {
    doc: 'Local stack: PostgreSQL port.',
    schema: port,
    default: STACK_DEFAULTS.STACK_POSTGRES_PORT,
  },
  STACK_POSTGRES_PASSWORD: {
    doc: 'Local stack: password of the PostgreSQL superuser `tributary`.',
    schema: z.string().min(1),
    default: STACK_DEFAULTS.STACK_POSTGRES_PASSWORD,
    secret: true,
  },
  STACK_AWS_PORT: {
    doc: 'Local stack: moto server port (S3, SQS, SSM, Athena).',
    schema: port,
    default: STACK_DEFAULTS.STACK_AWS_PORT,
  },
  STACK_AWS_DURABLE: {
    doc: 'Local stack: moto records every request to a file and replays it when it starts again, so a killed moto keeps what it acknowledged, as S3 would (the fault suite); off, a restart forgets everything.',
    schema: bool,
    default: 'false',
  },
} as const satisfies Record<string, Variable>;

export type VariableName = Extract<keyof typeof variables, string>;
export type ParsedValues = { -readonly [K in VariableName]: z.output<(typeof variables)[K]['schema']> };
