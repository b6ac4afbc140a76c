import { describe, expect, it } from 'vitest';
import { kraftClusterId } from './cluster-id.ts';

describe('kraftClusterId', () => {
  it('is 22 URL-safe base64 characters', () => {
    expect(kraftClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('draws again when the id would start with a dash, which the storage tool reads as an option', () => {
    // 0xf8 encodes to '-' as the first base64url character.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = kraftClusterId(() => draws.shift()!);
    expect(draws).toHaveLength(0);
    expect(id.startsWith('-')).toBe(false);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
  });
});
