import { describe, expect, it } from 'vitest';
import { CheckpointGap } from './checkpoint-gap.ts';
import { retryWithBackoff, type RetryLoop } from './retry-loop.ts';

function loop(overrides: Partial<RetryLoop> = {}) {
  const calls = { heartbeats: 0, retries: [] as number[] };
  const value: RetryLoop = {
    policy: { attempts: 3, initialDelayMs: 5, maxDelayMs: 5 },
    isRunning: () => true,
    heartbeat: async () => {
      calls.heartbeats += 1;
    },
    onRetry: (_error, attempt) => calls.retries.push(attempt),
    ...overrides,
  };
  return { value, calls };
}

describe('retryWithBackoff', () => {
  it('when the work fails once, then it is tried again and succeeds, with one retry reported', async () => {
    let tries = 0;
    const { value, calls } = loop();
    const outcome = await retryWithBackoff(async () => {
      tries += 1;
      if (tries === 1) throw new Error('hiccup');
    }, value);
    expect(outcome).toEqual({ ok: true });
    expect(tries).toBe(2);
    expect(calls.retries).toEqual([1]);
  });

  it('when the work keeps failing, then it gives up after the policy attempts with the last error', async () => {
    const { value, calls } = loop();
    const outcome = await retryWithBackoff(async () => {
      throw new Error('still broken');
    }, value);
    expect(outcome).toMatchObject({ ok: false, attempts: 3, error: new Error('still broken') });
    expect(calls.retries).toEqual([1, 2]);
  });

  it('when the error says retrying cannot help, then it is not retried', async () => {
    const { value, calls } = loop();
    const error = Object.assign(new Error('bad data'), { retriable: false });
    const outcome = await retryWithBackoff(async () => {
      throw error;
    }, value);
    expect(outcome).toEqual({ ok: false, error, attempts: 1 });
    expect(calls.retries).toEqual([]);
  });

  it('when publishing fails because a broker is down (kafkajs gave up, retriable false), then it is retried past the attempts until Kafka answers, never returned for dead-lettering', async () => {
    // Found by the fault suite: the realtime relay dead-lettered a MessageSent whose
    // notification could not be written while one broker of three was killed, and every later
    // event of its thread was parked behind it, so websocket clients stopped getting its messages.
    let tries = 0;
    const { value, calls } = loop();
    const brokerDown = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:39102'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
    });
    const outOfOrder = Object.assign(new Error('The broker received an out of order sequence number'), {
      name: 'KafkaJSProtocolError',
      type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      retriable: false,
    });
    const outcome = await retryWithBackoff(async () => {
      tries += 1;
      if (tries <= 4) throw tries % 2 ? brokerDown : outOfOrder;
    }, value);
    expect(outcome).toEqual({ ok: true });
    expect(calls.retries).toEqual([1, 2, 3, 4]);
  });

  it('when Postgres is restarting (starting up, connection refused or terminated), then it is retried past the attempts until it answers, never returned for dead-lettering', async () => {
    // Found by the fault suite: the messaging projection dead-lettered two MessageSent with
    // "the database system is starting up" while Postgres was killed and started again.
    let tries = 0;
    const { value, calls } = loop();
    const failures = [
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ];
    const outcome = await retryWithBackoff(async () => {
      tries += 1;
      if (tries <= failures.length) throw failures[tries - 1];
    }, value);
    expect(outcome).toEqual({ ok: true });
    expect(calls.retries).toEqual([1, 2, 3, 4]);
  });

  it('when Postgres refuses the statement itself (a constraint), then the attempts still bound it', async () => {
    const { value } = loop();
    const outcome = await retryWithBackoff(async () => {
      throw Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    }, value);
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
  });

  it('when Kafka refuses the record itself (too large), then the record is at fault and it is not retried', async () => {
    const { value } = loop();
    const error = Object.assign(new Error('too large'), {
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    const outcome = await retryWithBackoff(async () => {
      throw error;
    }, value);
    expect(outcome).toEqual({ ok: false, error, attempts: 1 });
  });

  it('when the checkpoint is found behind the batch, then the gap is thrown rather than retried', async () => {
    const { value } = loop();
    await expect(
      retryWithBackoff(async () => {
        throw new CheckpointGap(7n);
      }, value),
    ).rejects.toBeInstanceOf(CheckpointGap);
  });

  it('when the work fails because the consumer lost its group membership (Kafka says so, non-retriable), then it is thrown out at once, never returned for dead-lettering', async () => {
    for (const error of [
      Object.assign(new Error('The coordinator is not aware of this member'), {
        name: 'KafkaJSProtocolError',
        type: 'UNKNOWN_MEMBER_ID',
        retriable: false,
      }),
      Object.assign(new Error('wrapped'), {
        retriable: false,
        cause: Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' }),
      }),
    ]) {
      let tries = 0;
      const { value } = loop();
      await expect(
        retryWithBackoff(async () => {
          tries += 1;
          throw error;
        }, value),
      ).rejects.toBe(error);
      expect(tries).toBe(1);
    }
  });

  it('when the consumer stops during the pause, then the error is thrown so the record stays uncommitted', async () => {
    let running = true;
    const { value } = loop({
      policy: { attempts: 5, initialDelayMs: 50, maxDelayMs: 50 },
      isRunning: () => running,
      onRetry: () => {
        running = false;
      },
    });
    await expect(
      retryWithBackoff(async () => {
        throw new Error('failing while stopping');
      }, value),
    ).rejects.toThrow('failing while stopping');
  });

  it('when the backoff is long, then it heartbeats while waiting', async () => {
    let tries = 0;
    const { value, calls } = loop({ policy: { attempts: 2, initialDelayMs: 1200, maxDelayMs: 1200 }, random: () => 1 });
    await retryWithBackoff(async () => {
      tries += 1;
      if (tries === 1) throw new Error('hiccup');
    }, value);
    expect(calls.heartbeats).toBe(2);
  });
});
