import { TributaryError } from '../../infra/errors.ts';

/** Why a group command cannot go ahead, in the caller's terms. */
export class GroupError extends TributaryError {
  override readonly name = 'GroupError';
}

export const groupError = {
  groupNotFound: (groupId: string) =>
    new GroupError({ status: 404, code: 'not_found', title: 'Not found', detail: `no group ${groupId}` }),
  memberNotFound: (memberId: string) =>
    new GroupError({ status: 404, code: 'not_found', title: 'Not found', detail: `no member ${memberId}` }),
  jobNotFound: (assignmentId: string) =>
    new GroupError({
      status: 404,
      code: 'not_found',
      title: 'Not found',
      detail: `no assignment job ${assignmentId}`,
    }),
  noReport: (assignmentId: string, why: string) =>
    new GroupError({
      status: 404,
      code: 'not_found',
      title: 'Not found',
      detail: `assignment job ${assignmentId} has no report to download: ${why}`,
    }),
  groupExists: (groupId: string) =>
    new GroupError({
      status: 409,
      code: 'group_exists',
      title: 'The group already exists',
      detail: `the organization already has a group ${groupId}`,
      errors: [{ field: 'body.groupId', problem: 'already taken' }],
    }),
};
