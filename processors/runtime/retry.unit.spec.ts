import { describe, expect, it } from 'vitest';
import { EventValidationError } from '../../schemas/codec.ts';
import { backoffDelay, isRetriable } from './retry.ts';

const policy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('when attempts grow, then the ceiling doubles until the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('when jitter draws low, then the delay is below the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0.25)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('isRetriable', () => {
  it('when an error says it is not retriable, then it is not retried; other errors are', () => {
    expect(
      isRetriable(new EventValidationError('ThreadCreated', [{ field: 'payload.subject', problem: 'must be string' }])),
    ).toBe(false);
    expect(isRetriable(new Error('connection reset'))).toBe(true);
  });
});
