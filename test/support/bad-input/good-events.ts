import { randomUUID } from 'node:crypto';
import type { TopicName } from '../../../infra/kafka/topics.ts';
import type { TributaryEvent } from '../../../schemas/generated/events.ts';
import { metadata } from '../events.ts';

/**
 * A well-formed event for each topic of the catalogue, as a real producer writes it: what goes
 * before and after the poison, and must come through. Typed over every topic, so a new topic
 * is a compile error here until it has one.
 */
export const GOOD_EVENTS: { readonly [T in TopicName]: (organizationId: string) => TributaryEvent } = {
  'uploads.events': (organizationId) => {
    const attachmentId = randomUUID();
    return {
      type: 'AttachmentRequested',
      metadata: metadata(new Date(), { organizationId }),
      payload: {
        attachmentId,
        bucket: 'tributary-test-uploads',
        objectKey: `${organizationId}/${attachmentId}`,
        contentType: 'text/plain',
        maxSizeBytes: 1_000_000,
        expiresAt: new Date(Date.now() + 3_600_000),
        requestedBy: 'alice',
        caseId: null,
        ownerId: null,
        fileName: 'good.txt',
        declaredSizeBytes: null,
        tags: [],
        userMetadata: {},
        multipartUploadId: null,
      },
    };
  },
  'messages.events': (organizationId) => ({
    type: 'ThreadCreated',
    metadata: metadata(new Date(), { organizationId }),
    payload: { threadId: randomUUID(), subject: 'Good', createdBy: 'alice', participants: ['alice'], scopes: [] },
  }),
  'transactions.raw': (organizationId) => ({
    type: 'TransactionIngested',
    metadata: metadata(new Date(), { organizationId }),
    payload: {
      accountId: 'acc-good',
      source: 'api',
      sourceFile: null,
      lineNumber: null,
      rawAmount: '-12.50',
      rawDate: '2026-11-20',
      rawDescription: 'STARBUCKS',
      rawCurrency: 'EUR',
      externalTransactionId: randomUUID(),
      rawOtherColumns: {},
    },
  }),
  'transactions.cleansed': (organizationId) => ({
    type: 'AccountBalanceUpdated',
    metadata: metadata(new Date(), { organizationId }),
    payload: {
      accountId: 'acc-good',
      balanceMinor: 1000,
      availableBalanceMinor: null,
      currency: 'EUR',
      asOf: new Date(),
    },
  }),
  'groups.events': (organizationId) => ({
    type: 'GroupCreated',
    metadata: metadata(new Date(), { organizationId }),
    payload: { groupId: randomUUID(), name: 'Good', createdBy: 'alice' },
  }),
  'imports.events': (organizationId) => ({
    type: 'ImportStarted',
    metadata: metadata(new Date(), { organizationId }),
    payload: {
      jobId: randomUUID(),
      kind: 'transactions',
      fileName: 'good.csv',
      source: 'cli',
      objectKey: null,
      sizeBytes: 10,
      sha256: '0'.repeat(64),
      requestedBy: 'alice',
    },
  }),
  'logs.entries': (organizationId) => ({
    type: 'LogEntry',
    metadata: metadata(new Date(), { organizationId }),
    payload: {
      organizationId,
      logType: 'app',
      environment: 'test',
      server: 'app-1',
      level: 'info',
      message: 'good',
      events: [],
    },
  }),
  'realtime.notifications': (organizationId) => ({
    type: 'NotificationIssued',
    metadata: metadata(new Date(), { organizationId }),
    payload: {
      topic: 'message_sent',
      sourceEventId: randomUUID(),
      sourceType: 'MessageSent',
      filters: {},
      data: '{"good":true}',
      audience: [],
    },
  }),
};
