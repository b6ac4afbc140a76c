import type { CheckResult } from '../../infra/health/checks.ts';
import { buildApp } from '../../api/app.ts';
import { NotificationFeed } from '../../api/realtime/feed.ts';
import { mintToken, createTokenVerifier } from '../../api/auth/tokens.ts';
import { createAwsClients } from '../../infra/aws/clients.ts';
import type { Config } from '../../infra/config/index.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { SLICES } from '../../slices/index.ts';
import type { Slice } from '../../slices/slice.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger } from './platform.ts';

export interface TestAppOptions {
  readonly feed?: NotificationFeed;
  readonly realtime?: Partial<Config['realtime']>;
  readonly logger?: Logger;
  readonly readiness?: () => Promise<CheckResult[]>;
  readonly api?: Partial<Config['api']>;
  /** The slices the API serves (default: all of them, as they are; see isolatedSlices). */
  readonly slices?: readonly Slice[];
  /** The configuration the slices' routes read (default: the backbone's). */
  readonly config?: Config;
}

/** The real API over the test's backbone: real token verification, publisher, codec and Postgres. */
export async function testApp(backbone: Backbone, options: TestAppOptions = {}) {
  return buildApp({
    logger: options.logger ?? quietLogger(),
    api: { ...backbone.config.api, ...options.api },
    environment: 'test',
    verify: await createTokenVerifier(backbone.config.auth),
    readiness: options.readiness ?? (async () => []),
    metrics: backbone.metrics.registry,
    publisher: backbone.publisher,
    codec: backbone.codec,
    pool: backbone.pool,
    kafka: backbone.kafka,
    auth: backbone.config.auth,
    devTokens: true,
    realtime: { ...backbone.config.realtime, ...options.realtime },
    feed:
      options.feed ??
      new NotificationFeed(
        backbone.kafka,
        backbone.codec,
        backbone.topics['realtime.notifications'],
        1000,
        quietLogger(),
      ),
    slices: options.slices ?? SLICES,
    config: options.config ?? backbone.config,
    aws: createAwsClients((options.config ?? backbone.config).aws),
  });
}

/** A bearer header for a token the test API accepts. */
export async function bearer(
  backbone: Backbone,
  claims: { organizationId?: string; subject?: string; scopes?: string[]; expiresIn?: string } = {},
): Promise<{ authorization: string }> {
  const token = await mintToken(backbone.config.auth, {
    organizationId: claims.organizationId ?? 'org-test',
    subject: claims.subject ?? 'user-1',
    scopes: claims.scopes ?? ['events:publish', 'events:read', 'realtime:subscribe'],
    ...(claims.expiresIn ? { expiresIn: claims.expiresIn } : {}),
  });
  return { authorization: `Bearer ${token}` };
}
