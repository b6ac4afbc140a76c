import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the receiver got. */
export interface PushCall {
  readonly key: string | undefined;
  readonly authorization: string | undefined;
  readonly body: {
    recipient: string;
    idempotencyKey: string;
    event: string;
    eventId: string;
    [field: string]: unknown;
  };
  /** What the receiver answered. */
  readonly status: number;
}

/**
 * A notification service on a local port, as seed 002's would be: it records every call, answers
 * what `answer` says (200 by default), and notifies once per idempotency key, as a service that
 * honours the keys does.
 */
export class PushReceiver {
  readonly calls: PushCall[] = [];
  /** Idempotency key to how many notifications it led to (never more than one). */
  readonly notified = new Map<string, number>();
  answer: (call: Omit<PushCall, 'status'>, previous: readonly PushCall[]) => number = () => 200;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const call = {
          key: request.headers['idempotency-key'] as string | undefined,
          authorization: request.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PushCall['body'],
        };
        const status = this.answer(
          call,
          this.calls.filter((c) => c.key === call.key),
        );
        this.calls.push({ ...call, status });
        if (status < 300 && call.key && !this.notified.has(call.key)) this.notified.set(call.key, 1);
        response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notifications`;
  }

  callsFor(recipient: string): PushCall[] {
    return this.calls.filter((call) => call.body.recipient === recipient);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
