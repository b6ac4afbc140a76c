import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from './errors.ts';
import { redactedValue } from './redact.ts';
import { buildConfig, type Config } from './shape.ts';
import { readSsmParameters, type SsmReader } from './ssm.ts';
import { variables, type ParsedValues, type RawValues, type VariableName } from './variables.ts';

export type Source = 'default' | '.env' | 'environment' | 'ssm';

export interface LoadedConfig {
  readonly config: Config;
  /** Where each variable's value came from, for `tributary config`. */
  readonly sources: Readonly<Record<VariableName, Source | 'unset'>>;
  /** Each variable's effective text value (after defaults), for `tributary config`. */
  readonly effective: Readonly<Record<VariableName, string | undefined>>;
  /** SSM parameters under the prefix that name no known variable. */
  readonly ignoredSsmParameters: readonly string[];
}

export interface LoadOptions {
  /** The process environment; the one place Tributary reads it. */
  readonly env?: NodeJS.ProcessEnv;
  /** Path of the .env file; absent files are fine. */
  readonly dotenvPath?: string;
  /** Reads SSM parameters; replaced in unit tests, the real client otherwise. */
  readonly ssm?: SsmReader;
}

const names = Object.keys(variables) as VariableName[];

/**
 * Loads configuration in layers, each overriding the one before: defaults, `.env`, the
 * process environment, then (when CONFIG_SSM_ENABLED) SSM parameters under /<ENVIRONMENT>/.
 * Every problem is collected and reported at once, naming each variable.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const dotenvPath = options.dotenvPath ?? '.env';
  const dotenv = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};

  const raw: Record<string, string | undefined> = {};
  const sources = {} as Record<VariableName, Source | 'unset'>;
  for (const name of names) {
    const fromEnv = nonEmpty(env[name]);
    const fromFile = nonEmpty(dotenv[name]);
    raw[name] = fromEnv ?? fromFile;
    sources[name] = fromEnv !== undefined ? 'environment' : fromFile !== undefined ? '.env' : 'unset';
  }

  const ignoredSsmParameters: string[] = [];
  const beforeSsm = parseAll(raw, sources);
  if (beforeSsm.values.CONFIG_SSM_ENABLED) {
    const reader = options.ssm ?? readSsmParameters;
    const parameters = await reader(beforeSsm.values);
    for (const [name, value] of parameters) {
      if (name in variables) {
        raw[name] = value;
        sources[name as VariableName] = 'ssm';
      } else {
        ignoredSsmParameters.push(name);
      }
    }
  }

  const { values, effective, errors, failed } = parseAll(raw, sources);
  errors.push(...crossChecks(values, failed));
  if (errors.length > 0) throw new ConfigError(errors);
  return { config: buildConfig(values), sources, effective, ignoredSsmParameters };
}

function parseAll(raw: RawValues, sources: Record<VariableName, Source | 'unset'>) {
  const values = {} as Record<VariableName, unknown>;
  const effective = {} as Record<VariableName, string | undefined>;
  const errors: string[] = [];
  const failed = new Set<VariableName>();
  for (const name of names) {
    const variable = variables[name];
    let value = raw[name];
    if (value === undefined && 'default' in variable) {
      value = typeof variable.default === 'function' ? variable.default(raw) : variable.default;
      if (value !== undefined && sources[name] === 'unset') sources[name] = 'default';
    }
    effective[name] = value;
    const result = variable.schema.safeParse(value);
    if (result.success) {
      values[name] = result.data;
    } else {
      const problem = result.error.issues[0]?.message ?? 'is invalid';
      // As `config` shows it: a URL's password and credential parameters hidden (a refused push URL printed its ?token=).
      const shown = 'secret' in variable && variable.secret ? '' : ` (got "${redactedValue(name, value)}")`;
      errors.push(value === undefined ? `${name} is required but not set` : `${name} ${problem}${shown}`);
      failed.add(name);
    }
  }
  return { values: values as ParsedValues, effective, errors, failed };
}

/** Rules across variables; a variable already reported invalid is not reported again here. */
function crossChecks(values: ParsedValues, failed: ReadonlySet<VariableName>): string[] {
  const errors: string[] = [];
  if (values.KAFKA_SASL_MECHANISM !== 'none') {
    if (!values.KAFKA_SASL_USERNAME)
      errors.push(`KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is ${values.KAFKA_SASL_MECHANISM}`);
    if (!values.KAFKA_SASL_PASSWORD)
      errors.push(`KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is ${values.KAFKA_SASL_MECHANISM}`);
  }
  if (Boolean(values.SCHEMA_REGISTRY_USERNAME) !== Boolean(values.SCHEMA_REGISTRY_PASSWORD)) {
    errors.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD must be set together');
  }
  if (Boolean(values.AWS_ACCESS_KEY_ID) !== Boolean(values.AWS_SECRET_ACCESS_KEY)) {
    errors.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  if (Boolean(values.UPLOADS_REPLICATION_BUCKET_ARN) !== Boolean(values.UPLOADS_REPLICATION_ROLE_ARN)) {
    errors.push('UPLOADS_REPLICATION_BUCKET_ARN and UPLOADS_REPLICATION_ROLE_ARN must be set together');
  }
  if (values.UPLOADS_URL_BATCH > values.UPLOADS_URL_MAX_BATCH) {
    errors.push('UPLOADS_URL_BATCH must not exceed UPLOADS_URL_MAX_BATCH');
  }
  if (values.MESSAGING_PUSH_ENABLED && !values.MESSAGING_PUSH_URL && !failed.has('MESSAGING_PUSH_URL')) {
    errors.push('MESSAGING_PUSH_URL is required when MESSAGING_PUSH_ENABLED is true');
  }
  if (values.LOG_SHIPPING_ENABLED && !values.LOG_SHIPPING_ORGANIZATION) {
    errors.push('LOG_SHIPPING_ORGANIZATION is required when LOG_SHIPPING_ENABLED is true');
  }
  if (Boolean(values.MESSAGING_PUSH_USERNAME) !== Boolean(values.MESSAGING_PUSH_PASSWORD)) {
    errors.push('MESSAGING_PUSH_USERNAME and MESSAGING_PUSH_PASSWORD must be set together');
  }
  if (values.AUTH_JWT_ALGORITHM === 'HS256' && !values.AUTH_JWT_SECRET && !failed.has('AUTH_JWT_SECRET')) {
    errors.push('AUTH_JWT_SECRET is required when AUTH_JWT_ALGORITHM is HS256');
  }
  if (values.AUTH_JWT_ALGORITHM !== 'HS256' && !values.AUTH_JWT_PUBLIC_KEY_FILE && !values.AUTH_JWT_JWKS_FILE) {
    errors.push(
      `AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWT_JWKS_FILE is required when AUTH_JWT_ALGORITHM is ${values.AUTH_JWT_ALGORITHM}`,
    );
  }
  for (const name of ['AUTH_JWT_PUBLIC_KEY_FILE', 'AUTH_JWT_JWKS_FILE', 'AUTH_JWT_PRIVATE_KEY_FILE'] as const) {
    const file = values[name];
    if (file && !existsSync(file)) errors.push(`${name} names a file that does not exist (got "${file}")`);
  }
  if (values.KAFKA_SSL_CA_FILE && !existsSync(values.KAFKA_SSL_CA_FILE)) {
    errors.push(`KAFKA_SSL_CA_FILE names a file that does not exist (got "${values.KAFKA_SSL_CA_FILE}")`);
  }
  return errors;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
