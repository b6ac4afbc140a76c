import { execFile } from 'node:child_process';
import { devNull } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { loggerOptions } from '../../infra/logging/logger.ts';
import type { Backbone } from '../support/backbone.ts';
import { bearer, testApp } from '../support/api.ts';
import type { LoadOptions, LoadResult } from './load.ts';

export const INGEST_LOAD = { connections: 50, rounds: 3, seconds: 5, warmUpSeconds: 2, tokens: 300 } as const;

/** The middle value of each figure across rounds; statuses and errors added up. */
function median(results: readonly LoadResult[]): LoadResult {
  const middle = (pick: (r: LoadResult) => number) =>
    results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    requestsPerSecond: middle((r) => r.requestsPerSecond),
    p50Ms: middle((r) => r.p50Ms),
    p99Ms: middle((r) => r.p99Ms),
    statuses,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

export interface IngestFigures {
  readonly live: LoadResult;
  readonly ingest: LoadResult;
}

const run = promisify(execFile);

/** Runs the load generator in a process of its own, so it never competes for the API's event loop. */
async function load(options: LoadOptions): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./load.ts', import.meta.url));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

/**
 * HTTP ingest against the same server's `/health/live`: the real app (token verification, rate
 * limiting, schema validation, the publisher with acks=all) on a free loopback port, logging at
 * info as a deployed one does (to /dev/null here). Single-event `POST /v1/events/ThreadCreated`
 * under many tokens, and a rate limit high enough that it never answers 429: this measures
 * throughput, not the limit. Each figure is the median of alternating rounds.
 */
export async function measureIngest(backbone: Backbone, progress: (line: string) => void): Promise<IngestFigures> {
  const app = await testApp(backbone, {
    api: { rateLimitPerMinute: 10_000_000 },
    logger: pino(loggerOptions({ level: 'info', format: 'json' }), pino.destination({ dest: devNull, sync: false })),
  });
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const tokens = await Promise.all(
      Array.from({ length: INGEST_LOAD.tokens }, async (_, i) =>
        (await bearer(backbone, { subject: `bench-${i}`, scopes: ['events:publish'] })).authorization.slice(7),
      ),
    );
    const { connections, rounds, seconds, warmUpSeconds } = INGEST_LOAD;
    const live = { url: `${base}/health/live`, connections };
    const ingest = { url: `${base}/v1/events/ThreadCreated`, connections, tokens };
    progress('warming up');
    await load({ ...live, seconds: warmUpSeconds });
    await load({ ...ingest, seconds: warmUpSeconds });
    // Alternating rounds, so that a change in what else the machine runs touches both alike.
    const lives: LoadResult[] = [];
    const ingests: LoadResult[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      progress(`round ${round}/${rounds}: GET /health/live, then POST /v1/events/ThreadCreated, ${seconds} s each`);
      lives.push(await load({ ...live, seconds }));
      ingests.push(await load({ ...ingest, seconds }));
    }
    return { live: median(lives), ingest: median(ingests) };
  } finally {
    await app.close();
  }
}
