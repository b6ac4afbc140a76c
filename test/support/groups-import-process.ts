/**
 * Runs the groups importer in a process of its own, for the crash test: it imports the file and
 * SIGKILLs itself right after its Nth batch of events (not counting empty ones) reached Kafka, mid-job.
 * Usage: groups-import-process.ts <backbone suffix> <memberships projection name> <organization> <file> <batches>
 */
import { readFileSync } from 'node:fs';
import { importAssignments } from '../../producers/groups/importer.ts';
import { groupMemberships } from '../../projections/groups/projection.ts';
import type { Publisher } from '../../producers/publisher.ts';
import { isolatedBackbone } from './backbone.ts';
import { importContextOf, importFileOf } from './groups-import.ts';

const [suffix, projectionName, organizationId, path, batches] = process.argv.slice(2);
if (!suffix || !projectionName || !organizationId || !path || !batches)
  throw new Error('usage: groups-import-process.ts <suffix> <projection> <organization> <file> <batches>');
const backbone = await isolatedBackbone({ suffix });
const memberships = { ...groupMemberships, name: projectionName };
let sent = 0;
const dying: Publisher = {
  ...backbone.publisher,
  publish: (event) => backbone.publisher.publish(event),
  async publishBatch(events) {
    const positions = await backbone.publisher.publishBatch(events);
    if (events.length > 0 && (sent += 1) >= Number(batches)) process.kill(process.pid, 'SIGKILL');
    return positions;
  },
};
const file = importFileOf(organizationId, readFileSync(path, 'utf8'));
await importAssignments(file, importContextOf(backbone, file, memberships, dying), {
  chunkLines: 40,
  chunksInFlight: 1,
});
throw new Error(`the import finished before ${batches} batches`);
