/**
 * The load generator of `npm run bench`, run as a process of its own so that it does not share
 * the API's event loop: autocannon against one URL for a fixed time, with the given connections.
 * For ingest it sends a new ThreadCreated in each request, under tokens taken in turn. Prints
 * requests/s, the p50 and p99 latency in milliseconds and the status counts as one JSON line.
 *
 *   node --import tsx test/bench/load.ts '{"url":"http://127.0.0.1:1234/health/live","connections":50,"seconds":10}'
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Bearer tokens to take in turn; with them, each request posts a new ThreadCreated. */
  readonly tokens?: readonly string[];
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
}

async function run(options: LoadOptions): Promise<LoadResult> {
  const { tokens } = options;
  let turn = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    ...(tokens
      ? {
          method: 'POST',
          requests: [
            {
              setupRequest: (request) => ({
                ...request,
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${tokens[turn++ % tokens.length]}`,
                },
                body: JSON.stringify({
                  payload: {
                    threadId: randomUUID(),
                    subject: 'Quarterly review',
                    createdBy: 'alice',
                    participants: ['alice', 'bob'],
                    scopes: [],
                  },
                }),
              }),
            },
          ],
        }
      : {}),
  });
  const statuses: Record<string, number> = {};
  for (const key of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) if (result[key] > 0) statuses[key] = result[key];
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

process.stdout.write(`${JSON.stringify(await run(JSON.parse(process.argv[2]!) as LoadOptions))}\n`);
