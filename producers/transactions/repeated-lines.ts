/** How many distinct lines are remembered; past it, repeats are no longer counted (the cleanser still drops them). */
export const REMEMBERED_LINES = 2_000_000;

/**
 * Counts lines that repeat an earlier line of the same file (same account, date, amount,
 * description and reference), in bounded memory: each key is kept as a 48-bit number, about 40
 * bytes a line, for at most REMEMBERED_LINES lines. The count is what the importer reports; the
 * cleanser's dedupe, kept in Postgres across every file, is what drops duplicates.
 */
export class RepeatedLines {
  private readonly keys = new Set<number>();

  /** Whether the key was seen before; remembers it. `key` is base64url (a SHA-256 digest). */
  seen(key: string): boolean {
    const value = Buffer.from(key.slice(0, 8), 'base64url').readUIntBE(0, 6);
    if (this.keys.has(value)) return true;
    if (this.keys.size < REMEMBERED_LINES) this.keys.add(value);
    return false;
  }
}
