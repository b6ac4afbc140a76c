import type { MembershipChange } from '../../schemas/generated/events.ts';
import type { PlannedChange } from './plan.ts';

/** Buckets the members hash to: each is a Kafka key, so enough to spread over any partition count. */
export const BUCKETS = 64;
// Far under groups.events' max.message.bytes (1 MiB), whatever the ids' lengths (a cell may be 64 KiB).
const CHUNK_BYTES = 256 * 1024;

export interface ChangeChunk {
  /** The topic key: `bucket-<n>`. */
  readonly bucket: string;
  readonly changes: MembershipChange[];
}

/**
 * A planned chunk's changes as GroupMembershipsChanged payloads: grouped by the bucket their member
 * hashes to, in file order within each, a bucket split where it would pass CHUNK_BYTES. Every change
 * of a member is in one bucket, whose key lands on one partition, so a member's enrollment and
 * changes stay in file order there. A change already applied by an earlier run of the job is left
 * out (its enrollment too, when applied); the chunks depend on the file and the read model alone,
 * never on timing.
 */
export function changeChunks(planned: readonly PlannedChange[]): ChangeChunk[] {
  const buckets = new Map<number, { changes: MembershipChange[]; bytes: number }>();
  const chunks: ChangeChunk[] = [];
  for (const change of planned) {
    const enrolls = change.enroll !== null && !change.enroll.applied;
    if (!enrolls && change.applied) continue;
    const index = bucketOf(change.memberId);
    let bucket = buckets.get(index);
    if (!bucket) buckets.set(index, (bucket = { changes: [], bytes: 0 }));
    const bytes = change.memberId.length + change.groupId.length + 16;
    if (bucket.bytes + bytes > CHUNK_BYTES && bucket.changes.length > 0) {
      chunks.push({ bucket: `bucket-${index}`, changes: bucket.changes });
      bucket.changes = [];
      bucket.bytes = 0;
    }
    bucket.changes.push({
      lineNumber: change.lineNumber,
      memberId: change.memberId,
      groupId: change.groupId,
      action: change.action,
      enrolls,
      changes: !change.applied,
    });
    bucket.bytes += bytes;
  }
  for (const [index, bucket] of buckets) chunks.push({ bucket: `bucket-${index}`, changes: bucket.changes });
  return chunks;
}

export function bucketOf(memberId: string): number {
  return memberHash(memberId) % BUCKETS;
}

/** FNV-1a of the member id (32 bits, unsigned), by UTF-16 unit: stable across runs and processes. */
export function memberHash(memberId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < memberId.length; i += 1) hash = Math.imul(hash ^ memberId.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
