import type { TopicName } from '../infra/kafka/topics.ts';
import { loadEventSchemas, type EventSchema } from './avro.ts';
import type { EventDefinition, EventRoute } from './definitions.ts';
import type { EventType } from './generated/events.ts';

export type { EventDefinition, EventRoute };

/**
 * The key of an aggregate whose id the caller chooses (an account, a member, a group, a bucket of
 * them): unique only within its organization, so the key carries the organization. Keyed by the
 * bare id, two organizations' `acc-1` (or every organization's `bucket-0`) shared a key, and a
 * dead letter of one parked the other's events behind it (found by a stranger's probe).
 */
function inOrganization(event: { readonly metadata: { readonly organizationId: string } }, id: string): string {
  return `${event.metadata.organizationId}/${id}`;
}

/** The one declaration of which topic holds which event, and its key. */
export const EVENT_ROUTES: { readonly [T in EventType]: EventRoute<T> } = {
  AttachmentRequested: { topic: 'uploads.events', key: (e) => e.payload.attachmentId },
  UploadCompleted: { topic: 'uploads.events', key: (e) => e.payload.attachmentId },
  UploadRejected: { topic: 'uploads.events', key: (e) => e.payload.attachmentId },
  AttachmentDetailsChanged: { topic: 'uploads.events', key: (e) => e.payload.attachmentId },
  AttachmentDeleted: { topic: 'uploads.events', key: (e) => e.payload.attachmentId },

  ThreadCreated: { topic: 'messages.events', key: (e) => e.payload.threadId },
  ParticipantAdded: { topic: 'messages.events', key: (e) => e.payload.threadId },
  ParticipantRemoved: { topic: 'messages.events', key: (e) => e.payload.threadId },
  MessageSent: { topic: 'messages.events', key: (e) => e.payload.threadId },
  MessageRead: { topic: 'messages.events', key: (e) => e.payload.threadId },
  ThreadArchived: { topic: 'messages.events', key: (e) => e.payload.threadId },
  ThreadUnarchived: { topic: 'messages.events', key: (e) => e.payload.threadId },

  TransactionIngested: { topic: 'transactions.raw', key: (e) => inOrganization(e, e.payload.accountId) },
  // A chunk of an imported file's lines: keyed by the bucket its accounts hash to (see its schema).
  TransactionsIngested: { topic: 'transactions.raw', key: (e) => inOrganization(e, e.payload.bucket) },
  TransactionCleansed: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.accountId) },
  TransactionRejected: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.accountId) },
  AccountBalanceUpdated: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.accountId) },
  AccountNicknameUpdated: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.accountId) },
  // A connector's notice about several accounts: keyed by its batch, not by one account.
  AccountTransactionsAdded: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.batchId) },
  AccountTransactionsLoaded: { topic: 'transactions.cleansed', key: (e) => inOrganization(e, e.payload.accountId) },

  GroupAssignmentRequested: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.memberId) },
  GroupCreated: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.groupId) },
  GroupRenamed: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.groupId) },
  MemberEnrolled: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.memberId) },
  MemberAddedToGroup: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.memberId) },
  MemberRemovedFromGroup: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.memberId) },
  // A chunk of an assignment job's changes: keyed by the bucket its members hash to (see its schema).
  GroupMembershipsChanged: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.bucket) },
  // The run's summary concerns no single member: keyed by the run.
  GroupAssignmentCompleted: { topic: 'groups.events', key: (e) => inOrganization(e, e.payload.assignmentId) },

  ImportStarted: { topic: 'imports.events', key: (e) => e.payload.jobId },
  ImportProgressed: { topic: 'imports.events', key: (e) => e.payload.jobId },
  ImportCompleted: { topic: 'imports.events', key: (e) => e.payload.jobId },
  ImportFailed: { topic: 'imports.events', key: (e) => e.payload.jobId },

  LogEntry: { topic: 'logs.entries', key: (e) => e.payload.organizationId },

  // One organization's notifications in one partition, in order: the offset is a resume position.
  NotificationIssued: { topic: 'realtime.notifications', key: (e) => e.metadata.organizationId },
};

/** Events Tributary makes itself (notifications): services may not publish them over HTTP. */
export const INTERNAL_TOPICS: readonly TopicName[] = ['realtime.notifications'];

/** The domain's event types (everything not on an internal topic): what the event counts count. */
export const PUBLIC_EVENT_TYPES = (Object.keys(EVENT_ROUTES) as EventType[]).filter(
  (type) => !INTERNAL_TOPICS.includes(EVENT_ROUTES[type].topic),
);

/**
 * Facts only Tributary can vouch for, recorded by its own routes and workers: that S3 holds an
 * object (UploadCompleted), that a URL was issued for a key, that an object was deleted. A service
 * posting one over HTTP could mark an attachment uploaded that no file backs, so ingest refuses them.
 */
export const RECORDED_BY_TRIBUTARY: readonly EventType[] = [
  'AttachmentRequested',
  'UploadCompleted',
  'UploadRejected',
  'AttachmentDetailsChanged',
  'AttachmentDeleted',
  'ImportStarted',
  'ImportProgressed',
  'ImportCompleted',
  'ImportFailed',
];

/** The event types services may publish over HTTP ingest. */
export const INGEST_EVENT_TYPES = PUBLIC_EVENT_TYPES.filter((type) => !RECORDED_BY_TRIBUTARY.includes(type));

/** Registry subjects use the record-aware strategy, so one topic can hold several event types. */
export function subjectOf(topic: string, fullName: string): string {
  return `${topic}-${fullName}`;
}

/** Every event's schema, route and subject, from the .avsc files and the routes above. */
export function eventDefinitions(schemas: readonly EventSchema[] = loadEventSchemas()): EventDefinition[] {
  return schemas.map((schema) => {
    const route = EVENT_ROUTES[schema.name as EventType] as EventRoute | undefined;
    if (!route) throw new Error(`${schema.path}: ${schema.name} has no route in schemas/catalog.ts`);
    return { schema, route, subject: subjectOf(route.topic, schema.fullName) };
  });
}
