import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import type { KafkaAdmin } from '../kafka/admin.ts';

/** One dependency's readiness, as `/health/ready` and `tributary stack status` report it. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export type Check = { readonly name: string; run(signal: AbortSignal): Promise<void> };

/** Runs every check concurrently, each bounded by the timeout, and never throws. */
export async function runChecks(checks: readonly Check[], timeoutMs = 3000): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check) => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          check.run(signal),
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), {
              once: true,
            }),
          ),
        ]);
        return { name: check.name, ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return {
          name: check.name,
          ok: false,
          latencyMs: Math.round(performance.now() - started),
          error: describe(error),
        };
      }
    }),
  );
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function kafkaCheck(admin: KafkaAdmin): Check {
  return {
    name: 'kafka',
    async run() {
      try {
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('the cluster reports no brokers');
      } catch (error) {
        // Drop the admin's connection so the next probe reconnects rather than reusing a dead socket.
        await admin.close().catch(() => undefined);
        throw error;
      }
    },
  };
}

export function registryCheck(url: string, auth?: { username: string; password: string }): Check {
  return {
    name: 'schema-registry',
    async run(signal) {
      const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
      if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      const response = await fetch(`${url}/subjects`, { headers, signal });
      if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
    },
  };
}

export function postgresCheck(pool: Pool): Check {
  return {
    name: 'postgres',
    async run() {
      await pool.query('select 1');
    },
  };
}

export function s3Check(s3: S3Client, bucket: string): Check {
  return {
    name: 's3',
    async run(signal) {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) throw new Error(`bucket ${bucket} does not exist`, { cause: error });
        if (status === 403) throw new Error(`access to bucket ${bucket} is denied`, { cause: error });
        throw error;
      }
    },
  };
}
