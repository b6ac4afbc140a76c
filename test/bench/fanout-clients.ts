/**
 * The websocket clients of the fan-out measure, in a process of their own so they never share the
 * API's event loop. Opens `clients` sockets with the token, subscribes each to `topic`, prints
 * `{"ready":true}`; then reads commands on stdin, one JSON line each:
 *
 *   {"phase":"burst","expect":200}   prints {"phase":"burst","doneAt":<epoch ms>} once every client has 200
 *   {"phase":"steady","expect":300}  prints the latencies' p50/p99/max and the frames delivered
 *
 * A notification's data carries `phase` and `sentAt` (epoch ms, from performance.timeOrigin on the
 * same machine), so a frame's latency is its arrival less its publish call.
 */
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

interface Options {
  readonly url: string;
  readonly token: string;
  readonly clients: number;
  readonly topic: string;
}

const options = JSON.parse(process.argv[2]!) as Options;
const now = () => performance.timeOrigin + performance.now();
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const counts = { burst: new Uint32Array(options.clients), steady: new Uint32Array(options.clients) };
const seen = { burst: 0, steady: 0 };
const latencies: number[] = [];
const duplicates = { count: 0 };
const lastSteady = new Int32Array(options.clients).fill(-1);
let waiting: { phase: 'burst' | 'steady'; expect: number; check: () => void } | undefined;
const closedEarly: number[] = [];

function open(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, ['tributary.v1', `bearer.${options.token}`]);
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { type: string; topics?: string[]; data?: Record<string, unknown> };
      if (frame.type === 'ready') socket.send(JSON.stringify({ type: 'subscribe', topics: [options.topic] }));
      else if (frame.type === 'subscribed') resolve();
      else if (frame.type === 'notification') {
        const data = frame.data as { phase: 'burst' | 'steady'; sentAt: number; n: number };
        counts[data.phase][index]! += 1;
        seen[data.phase] += 1;
        if (data.phase === 'steady') {
          latencies.push(now() - data.sentAt);
          // Notifications of one organization come in order: a number not above the last is a repeat.
          if (data.n <= lastSteady[index]!) duplicates.count += 1;
          lastSteady[index] = data.n;
        }
        waiting?.check();
      }
    });
    socket.on('close', () => closedEarly.push(index));
    socket.once('error', reject);
  });
}

for (let i = 0; i < options.clients; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, options.clients - i) }, (_, n) => open(i + n)));
say({ ready: true });

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { phase: 'burst' | 'steady'; expect: number; timeoutMs?: number };
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      waiting = undefined;
      resolve();
    };
    const timer = setTimeout(finish, command.timeoutMs ?? 30_000);
    waiting = {
      ...command,
      check: () => {
        if (seen[command.phase] >= command.expect * options.clients) finish();
      },
    };
    waiting.check();
  });
  if (command.phase === 'burst') say({ phase: 'burst', doneAt: now(), delivered: seen.burst });
  else {
    const sorted = latencies.sort((a, b) => a - b);
    say({
      phase: 'steady',
      delivered: seen.steady,
      expected: command.expect * options.clients,
      clientsShort: Array.from(counts.steady).filter((c) => c < command.expect).length,
      duplicates: duplicates.count,
      closed: closedEarly.length,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
    });
    process.exit(0);
  }
}
