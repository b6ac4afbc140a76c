import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { loadConfig } from './load.ts';
import { redactedValue } from './redact.ts';

const NO_DOTENV = '/nonexistent/.env';

function dotenv(contents: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-config-')), '.env');
  writeFileSync(file, contents);
  return file;
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('loadConfig', () => {
  it('when nothing is set, then every connection points at the local stack', async () => {
    const { config, sources } = await loadConfig({ env: {}, dotenvPath: NO_DOTENV });
    expect(config.environment).toBe('local');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.registry.url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(config.database.url).toBe('postgres://tributary:tributary@127.0.0.1:15432/tributary');
    expect(config.aws).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:15000',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    expect(config.lake.bucket).toBe('tributary-local-lake');
    expect(sources.KAFKA_BROKERS).toBe('default');
  });

  it('when a stack port moves, then the connection defaults follow it', async () => {
    const { config } = await loadConfig({
      env: { STACK_KAFKA_PORT: '29092', STACK_POSTGRES_PORT: '25432' },
      dotenvPath: NO_DOTENV,
    });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:29092']);
    expect(config.database.url).toContain('@127.0.0.1:25432/');
    expect(config.stack.ports.kafka).toBe(29092);
  });

  it('when a URL has another scheme than its service speaks, or a port past 65535, then the start stops naming it', async () => {
    const problems = await problemsOf(
      loadConfig({
        env: {
          SCHEMA_REGISTRY_URL: 'ftp://registry/apis',
          DATABASE_URL: 'postgres://u:pw@db:99999/app',
          MESSAGING_PUSH_URL: 'https://u:hunter2@hooks.example.com:99999/x?token=SECRET',
        },
        dotenvPath: NO_DOTENV,
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SCHEMA_REGISTRY_URL must be an http\(s\) URL/),
        'MESSAGING_PUSH_URL must be an http(s) URL such as http://host:port/path (got "https://u:****@hooks.example.com:99999/x?token=[redacted]")',
        'DATABASE_URL must be a postgres:// URL with a valid host and port (at most 65535)',
      ]),
    );
  });

  it('when .env and the environment both set a variable, then the environment wins', async () => {
    const file = dotenv('API_PORT=4000\nKAFKA_CLIENT_ID=from-file\n');
    const { config, sources } = await loadConfig({ env: { API_PORT: '5000' }, dotenvPath: file });
    expect(config.api.port).toBe(5000);
    expect(sources.API_PORT).toBe('environment');
    expect(config.kafka.clientId).toBe('from-file');
    expect(sources.KAFKA_CLIENT_ID).toBe('.env');
  });

  it('when SSM is enabled, then its parameters override the environment and unknown names are reported', async () => {
    const loaded = await loadConfig({
      env: { CONFIG_SSM_ENABLED: 'true', API_PORT: '5000' },
      dotenvPath: NO_DOTENV,
      ssm: async (values) => {
        expect(values.ENVIRONMENT).toBe('local');
        return [
          ['API_PORT', '6000'],
          ['SOMETHING_ELSE', 'x'],
        ];
      },
    });
    expect(loaded.config.api.port).toBe(6000);
    expect(loaded.sources.API_PORT).toBe('ssm');
    expect(loaded.ignoredSsmParameters).toEqual(['SOMETHING_ELSE']);
  });

  it('when SSM is disabled, then it is never asked', async () => {
    const { config } = await loadConfig({
      env: {},
      dotenvPath: NO_DOTENV,
      ssm: () => Promise.reject(new Error('SSM must not be read')),
    });
    expect(config.ssmEnabled).toBe(false);
  });

  it('when values are wrong, then every problem is reported with its variable name and the value', async () => {
    const problems = await problemsOf(
      loadConfig({ env: { API_PORT: '99999', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'no-port' }, dotenvPath: NO_DOTENV }),
    );
    expect(problems).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'API_PORT must be between 1 and 65535 (got "99999")',
      'KAFKA_BROKERS must be host:port[,host:port...] (got "no-port")',
    ]);
  });

  it('when a secret is invalid, then the error names the variable but never shows the value', async () => {
    const problems = await problemsOf(
      loadConfig({ env: { DATABASE_URL: 'mysql://u:hunter2@h/db' }, dotenvPath: NO_DOTENV }),
    );
    expect(problems).toEqual(['DATABASE_URL must be a postgres:// URL']);
  });

  it('when the environment is production, then connection settings are required rather than defaulted to localhost', async () => {
    const problems = await problemsOf(loadConfig({ env: { ENVIRONMENT: 'production' }, dotenvPath: NO_DOTENV }));
    expect(problems).toEqual([
      'KAFKA_BROKERS is required but not set',
      'SCHEMA_REGISTRY_URL is required but not set',
      'DATABASE_URL is required but not set',
      'AUTH_JWT_SECRET is required when AUTH_JWT_ALGORITHM is HS256',
    ]);
  });

  it('when production omits AWS keys and endpoint, then the SDK default provider chain is used', async () => {
    const { config } = await loadConfig({
      env: {
        ENVIRONMENT: 'production',
        KAFKA_BROKERS: 'b-1.kafka.internal:9096,b-2.kafka.internal:9096',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'tributary',
        KAFKA_SASL_PASSWORD: 'pw',
        SCHEMA_REGISTRY_URL: 'https://registry.internal/apis/ccompat/v7/',
        SCHEMA_REGISTRY_USERNAME: 'svc',
        SCHEMA_REGISTRY_PASSWORD: 'pw',
        DATABASE_URL: 'postgres://app:pw@db.internal:5432/app',
        DATABASE_SSL: 'true',
        AUTH_JWT_ALGORITHM: 'RS256',
        AUTH_JWT_JWKS_FILE: '/etc/hostname',
      },
      dotenvPath: NO_DOTENV,
    });
    expect(config.aws).toEqual({ region: 'us-east-1' });
    expect(config.kafka).toMatchObject({
      brokers: ['b-1.kafka.internal:9096', 'b-2.kafka.internal:9096'],
      ssl: {},
      sasl: { mechanism: 'scram-sha-512', username: 'tributary', password: 'pw' },
    });
    expect(config.registry).toEqual({
      url: 'https://registry.internal/apis/ccompat/v7',
      auth: { username: 'svc', password: 'pw' },
    });
    expect(config.lake.bucket).toBe('tributary-production-lake');
    expect(config.auth).toEqual({
      algorithm: 'RS256',
      jwksFile: '/etc/hostname',
      issuer: 'tributary',
      audience: 'tributary-api',
    });
  });

  it('when SASL is chosen without credentials, then both missing variables are named', async () => {
    const problems = await problemsOf(loadConfig({ env: { KAFKA_SASL_MECHANISM: 'plain' }, dotenvPath: NO_DOTENV }));
    expect(problems).toEqual([
      'KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is plain',
      'KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is plain',
    ]);
  });

  it("when the processors' session timeout is left alone, then it is 30 s, and one under a second is refused", async () => {
    const { config } = await loadConfig({ env: {}, dotenvPath: NO_DOTENV });
    expect(config.kafka.sessionTimeoutMs).toBe(30_000);
    const set = await loadConfig({ env: { KAFKA_SESSION_TIMEOUT_MS: '6000' }, dotenvPath: NO_DOTENV });
    expect(set.config.kafka.sessionTimeoutMs).toBe(6000);
    const problems = await problemsOf(loadConfig({ env: { KAFKA_SESSION_TIMEOUT_MS: '500' }, dotenvPath: NO_DOTENV }));
    expect(problems).toEqual([expect.stringMatching(/^KAFKA_SESSION_TIMEOUT_MS.*at least 1000/)]);
  });

  it('when loaded, then the configuration cannot be changed', async () => {
    const { config } = await loadConfig({ env: {}, dotenvPath: NO_DOTENV });
    expect(() => {
      (config.api as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
  });

  it('when RS256 is chosen without a key, then the missing key variables are named', async () => {
    const problems = await problemsOf(loadConfig({ env: { AUTH_JWT_ALGORITHM: 'RS256' }, dotenvPath: NO_DOTENV }));
    expect(problems).toEqual([
      'AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWT_JWKS_FILE is required when AUTH_JWT_ALGORITHM is RS256',
    ]);
  });

  it('when the HS256 secret is short, then it is refused without echoing it', async () => {
    const problems = await problemsOf(loadConfig({ env: { AUTH_JWT_SECRET: 'short' }, dotenvPath: NO_DOTENV }));
    expect(problems).toEqual(['AUTH_JWT_SECRET must be at least 32 characters']);
  });
});

describe('redactedValue', () => {
  it('when a value is secret, then it is masked, keeping a URL readable without its password', () => {
    expect(redactedValue('DATABASE_URL', 'postgres://app:s3cret@db:5432/app')).toBe('postgres://app:****@db:5432/app');
    expect(redactedValue('KAFKA_SASL_PASSWORD', 'hunter2')).toBe('****');
    expect(redactedValue('API_PORT', '8080')).toBe('8080');
  });

  it('when any URL holds a password or a credential query parameter, then those are hidden, whatever the variable', () => {
    expect(redactedValue('SCHEMA_REGISTRY_URL', 'http://user:regpass@127.0.0.1:18081/apis/ccompat/v7')).toBe(
      'http://user:****@127.0.0.1:18081/apis/ccompat/v7',
    );
    expect(redactedValue('MESSAGING_PUSH_URL', 'https://pushuser:p@ss@example.com/x?token=abc&lang=en')).toBe(
      'https://pushuser:****@example.com/x?token=[redacted]&lang=en',
    );
    expect(redactedValue('DATABASE_URL', 'postgres://u:pw@h:5432/db?password=leakme')).toBe(
      'postgres://u:****@h:5432/db?password=[redacted]',
    );
    expect(redactedValue('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:18081/apis/ccompat/v7')).toBe(
      'http://127.0.0.1:18081/apis/ccompat/v7',
    );
  });
});
