import { messagingRoutes } from '../api/messaging/routes.ts';
import { READ_MESSAGES_SCOPE, WRITE_MESSAGES_SCOPE } from '../api/messaging/schemas.ts';
import { messagingDemo } from '../producers/messaging/demo.ts';
import { pushProcessor } from '../processors/messaging/push-processor.ts';
import { messaging } from '../projections/messaging/projection.ts';
import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

/**
 * Threads, messages, replies and read receipts (seed 002): commands become events on
 * messages.events, the messaging read model keeps threads, memberships, messages and each
 * participant's inbox exactly once, and push notifications go to seed 002's notification service
 * when configured.
 */
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
      // A message is for the thread's participants when it was sent, no one else in the organization.
      audience: { MessageSent: (e) => [e.payload.senderId, ...e.payload.recipients] },
    },
  ],
  demo: (context) => messagingDemo(context, (actor) => demoMetadata(context, actor)),
});
