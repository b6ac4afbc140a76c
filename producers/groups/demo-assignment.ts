import type { DemoActionContext } from '../../slices/slice.ts';
import { deliverFile } from '../imports/deliver-file.ts';

/** The groups the demo's events create (round 1), so its files name groups the organization has. */
export const DEMO_GROUPS = [
  { groupId: 'group-finance', name: 'Finance' },
  { groupId: 'group-tellers', name: 'Tellers' },
] as const;

/**
 * A small assignment file of a round: members moving in and out of the demo's groups, a repeated
 * and a contradicting line, a group the organization lacks and a bad action, so the job's summary
 * and report have something of each. `seed` picks the members, so each file is a new job (a job
 * id follows from the content), a demo started again included.
 */
export function demoAssignmentFile(seed: number): string {
  const member = (i: number) => `member-${(seed * 3 + i) % 40}`;
  return [
    'member_id,group_id,action',
    `${member(1)},group-finance,add`,
    `${member(2)},group-finance,add`,
    `${member(3)},group-tellers,add`,
    `${member(4)},group-tellers,remove`,
    `${member(2)},group-finance,add`,
    `${member(5)},group-tellers,add`,
    `${member(5)},group-tellers,remove`,
    `${member(6)},group-marketing,add`,
    `${member(7)},group-finance,promote`,
    `${member(8)},group-finance,remove`,
    '',
  ].join('\n');
}

/**
 * Every fifth round, delivers an assignment file the way an organization's HR system does: into
 * the data-delivery bucket, where `tributary start`'s delivery worker imports it as a job (its
 * progress on `import_progress`, its changes on `group_membership_changed`).
 */
export async function demoAssignment(context: DemoActionContext): Promise<void> {
  if (context.round % 5 !== 2) return;
  await deliverFile(context.aws, context.config, {
    organizationId: context.organizationId,
    kind: 'groups',
    fileName: `hr-sync-${context.round}.csv`,
    requestedBy: 'hr-service',
    body: Buffer.from(demoAssignmentFile(Math.floor(context.now.getTime() / 1000) + context.round)),
  });
}
