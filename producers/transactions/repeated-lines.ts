/** How many distinct lines are remembered; past it, repeats are no longer counted (the cleanser still drops them). */
export const REMEMBERED_LINES = 2_000_000;

// Open addressing at most half full: 2^22 slots of 4 bytes, 16 MiB however large the file.
const SLOTS = 2 ** 22;

/**
 * Counts lines that repeat an earlier line of the same file (same account, date, amount,
 * description and reference), in bounded memory: a fixed table of REMEMBERED_LINES lines at most
 * (a Set of numbers held about 40 bytes a line in boxed doubles, and grew by doubling). A line's
 * 53-bit fingerprint picks its slot with 22 bits and is kept there as the other 31. The count is what the importer reports; the cleanser's dedupe, kept
 * in Postgres across every file, is what drops duplicates.
 */
export class RepeatedLines {
  // The fingerprint's high 31 bits + 1, so 0 marks an empty slot.
  private readonly slots = new Uint32Array(SLOTS);
  private size = 0;

  /** Whether a line with this fingerprint (lineFingerprint) was seen before; remembers it. */
  seen(fingerprint: number): boolean {
    const stored = Math.floor(fingerprint / SLOTS) + 1;
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
 * parsing the line; a line is taken for a repeat of another by chance about once in a billion lines.
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
