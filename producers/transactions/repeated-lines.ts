/** How many distinct lines are remembered; past it, repeats are no longer counted (the cleanser still drops them). */
export const REMEMBERED_LINES = 2_000_000;

// Open addressing at most half full: 2^22 slots of 8 bytes, 32 MiB however large the file.
const SLOTS = 2 ** 22;

/**
 * Counts lines that repeat an earlier line of the same file (same account, date, amount,
 * description and reference), in bounded memory: each line's 53-bit fingerprint in a fixed table
 * (a Set of numbers held about 40 bytes a line in boxed doubles, and grew by doubling), for at
 * most REMEMBERED_LINES lines. The count is what the importer reports; the cleanser's dedupe, kept
 * in Postgres across every file, is what drops duplicates.
 */
export class RepeatedLines {
  // Fingerprint + 1, so 0 marks an empty slot.
  private readonly slots = new Float64Array(SLOTS);
  private size = 0;

  /** Whether a line with this fingerprint (lineFingerprint) was seen before; remembers it. */
  seen(fingerprint: number): boolean {
    const stored = fingerprint + 1;
    let slot = fingerprint % SLOTS;
    for (;;) {
      const found = this.slots[slot]!;
      if (found === stored) return true;
      if (found === 0) break;
      slot = (slot + 1) % SLOTS;
    }
    if (this.size < REMEMBERED_LINES) {
      this.slots[slot] = stored;
      this.size += 1;
    }
    return false;
  }
}

/**
 * A 53-bit fingerprint of a line's identifying text (cyrb53, two multiplicative 32-bit hashes
 * mixed together). Not a cryptographic hash on purpose: SHA-256 cost 3 to 6 µs a line, as much as
 * parsing the line; with 2 million lines remembered, a false repeat is about a 1-in-4-billion event.
 */
export function lineFingerprint(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
