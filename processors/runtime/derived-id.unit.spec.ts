import { describe, expect, it } from 'vitest';
import { derivedEventId } from './derived-id.ts';

describe('derivedEventId', () => {
  const input = '0b9cf3a4-52e5-4c3e-9a0c-2d1b7e1f9c11';

  it('when the same input is handled twice, then the output ids are the same UUIDs', () => {
    expect(derivedEventId(input, 'cleansed')).toBe(derivedEventId(input, 'cleansed'));
    expect(derivedEventId(input, 'cleansed')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('when the purpose or the input differs, then the ids differ', () => {
    expect(derivedEventId(input, 'cleansed')).not.toBe(derivedEventId(input, 'rejected'));
    expect(derivedEventId(input, 'cleansed')).not.toBe(
      derivedEventId('1b9cf3a4-52e5-4c3e-9a0c-2d1b7e1f9c11', 'cleansed'),
    );
  });
});
