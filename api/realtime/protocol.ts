import { z } from 'zod';

/** The realtime topics a client may subscribe to (seed 004's names). */
export const REALTIME_TOPICS = [
  'account_balanceupdated',
  'account_nicknameupdated',
  'account_transactionadded',
  'attachment_uploaded',
  'message_sent',
  'group_membership_changed',
  'log_error',
] as const;

export const PROTOCOL = 'tributary.v1';

/** Close codes, besides the standard 1000 (normal) and 1001 (server going away). */
export const CLOSE = {
  heartbeatMissed: 4000,
  badMessage: 4400,
  slowConsumer: 4008,
} as const;

const ids = z.array(z.string().min(1)).max(1000);

export const clientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('subscribe'),
    topics: z.array(z.enum(REALTIME_TOPICS)).min(1),
    filters: z.object({ accountIds: ids.optional(), threadIds: ids.optional() }).strict().optional(),
    /** The position of the last notification received: everything after it is sent first. */
    resumeFrom: z.string().optional(),
  }),
  z.object({ type: z.literal('unsubscribe'), topics: z.array(z.enum(REALTIME_TOPICS)).min(1) }),
]);

export type ClientMessage = z.infer<typeof clientMessage>;
