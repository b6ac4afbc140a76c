import { messagingRoutes } from '../api/messaging/routes.ts';
import { READ_MESSAGES_SCOPE, WRITE_MESSAGES_SCOPE } from '../api/messaging/schemas.ts';
import { pushProcessor } from '../processors/messaging/push-processor.ts';
import { messaging } from '../projections/messaging/projection.ts';
import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

const DEMO_THREAD = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';

/** Threads and messages (seed 002): the realtime message topic so far; commands, the read model and push come next. */
export const messagingSlice = defineSlice({
  name: 'messaging',
  doc: 'Threads, messages, replies and read receipts (seed 002).',
  projections: { messaging },
  routes: messagingRoutes,
  processors: ({ config }) => (config.messaging.push.enabled ? [pushProcessor(config.messaging.push)] : []),
  scopes: [
    { name: READ_MESSAGES_SCOPE, doc: 'List my threads, read their messages, mark them read, archive them for me.' },
    { name: WRITE_MESSAGES_SCOPE, doc: 'Create threads, add and remove participants, send messages and replies.' },
  ],
  realtime: [
    {
      name: 'message_sent',
      doc: 'A message was sent to a thread.',
      filterKeys: ['threadId'],
      from: { MessageSent: (e) => ({ threadId: e.payload.threadId }) },
    },
  ],
  demo(context) {
    const events = [];
    if (context.round === 1) {
      events.push({
        type: 'ThreadCreated' as const,
        metadata: demoMetadata(context, 'alice'),
        payload: {
          threadId: DEMO_THREAD,
          subject: 'Quarter close',
          createdBy: 'alice',
          participants: ['alice', 'bob'],
          scopes: [],
        },
      });
    }
    const sender = context.round % 2 === 0 ? 'bob' : 'alice';
    events.push({
      type: 'MessageSent' as const,
      metadata: demoMetadata(context, sender),
      payload: {
        threadId: DEMO_THREAD,
        messageId: crypto.randomUUID(),
        senderId: sender,
        body: `Update ${context.round}: reconciliation is ${Math.min(100, context.round * 10)}% done`,
        replyToMessageId: null,
        sentAt: context.now,
        recipients: [sender === 'bob' ? 'alice' : 'bob'],
      },
    });
    return events;
  },
});
