import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.ts';

describe('eventually', () => {
  it('when the check passes on a later try, then it returns what the check returned', async () => {
    let tries = 0;
    const value = await eventually(
      () => {
        tries += 1;
        expect(tries).toBeGreaterThanOrEqual(3);
        return tries;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('when the deadline passes, then it fails with the last error the check threw', async () => {
    let tries = 0;
    await expect(
      eventually(
        () => {
          tries += 1;
          throw new Error(`not yet: try ${tries}`);
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow(/still failing after 30 ms .*not yet: try \d+/);
  });
});
