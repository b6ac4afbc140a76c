import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { groupError } from '../../producers/groups/errors.ts';
import { GROUP_ID_CLAIM_MIGRATIONS, groupIdClaims } from '../../producers/groups/group-id-claims.ts';
import { createGroup, renameGroup } from '../../producers/groups/manage-groups.ts';
import { migrate } from '../../infra/postgres/migrations.ts';
import { groupOf, groupsOf, groupsOfMember, memberOf, membersOfGroup } from '../../projections/groups/queries.ts';
import { principalOf } from '../auth/plugin.ts';
import { problemRef } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import { requesterOf, type GroupsContext } from './context.ts';
import { GroupsCursors, type GroupsListing } from './cursor.ts';
import {
  CreateGroupBody,
  GroupAccepted,
  GroupJson,
  groupJson,
  GroupMembersPage,
  GroupPage,
  GroupParams,
  GROUPS_READ_SCOPE,
  GROUPS_WRITE_SCOPE,
  memberJson,
  MemberGroupsPage,
  MemberParams,
  membershipJson,
  PageQuery,
  ReadAfter,
  RenameGroupBody,
} from './schemas.ts';

/** An organization's groups (create, rename, list) and who is in them. */
export const groupRoutes: FastifyPluginAsync<{ context: GroupsContext }> = async (instance, { context }) => {
  const { options, projection, caughtUp } = context;
  const { publisher, pool, api, environment } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  await migrate(pool, 'group-id-claims', GROUP_ID_CLAIM_MIGRATIONS);
  const limit = { max: api.rateLimitPerMinute, timeWindow: 60_000 };
  const exists = (organizationId: string) => async (groupId: string) =>
    (await groupOf(pool, organizationId, groupId, projection)) !== undefined;
  const cursors = new GroupsCursors(options.config);
  const pageOf = (
    query: { limit?: number; cursor?: string },
    listing: GroupsListing,
    organizationId: string,
    parent?: string,
  ) => {
    const after = cursors.after(listing, organizationId, parent, query.cursor);
    return { limit: query.limit ?? 100, ...(after ? { after } : {}) };
  };

  app.post(
    '/v1/groups',
    {
      config: { scope: GROUPS_WRITE_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Create a group',
        description: 'Answers 202 once GroupCreated is on Kafka; read it with ?after=<position>.',
        tags: ['groups'],
        body: CreateGroupBody,
        response: { 202: GroupAccepted, 400: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { groupId, position } = await createGroup(
        publisher,
        environment,
        requester,
        request.body,
        exists(requester.organizationId),
        groupIdClaims(pool, projection.name, requester.organizationId),
      );
      reply.code(202);
      return { groupId, position: encodePosition([position]) };
    },
  );

  app.get(
    '/v1/groups',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The organization’s groups, by name',
        tags: ['groups'],
        querystring: PageQuery,
        response: { 200: GroupPage, 400: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { organizationId } = principalOf(request);
      const page = await groupsOf(pool, organizationId, pageOf(request.query, 'groups', organizationId), projection);
      return {
        items: page.items.map(groupJson),
        ...(page.next ? { nextCursor: cursors.next('groups', organizationId, undefined, page.next) } : {}),
      };
    },
  );

  app.get(
    '/v1/groups/:groupId',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'One group',
        tags: ['groups'],
        params: GroupParams,
        querystring: Type.Object(ReadAfter, { additionalProperties: false }),
        response: { 200: GroupJson, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { groupId } = request.params;
      const group = await groupOf(pool, principalOf(request).organizationId, groupId, projection);
      if (!group) throw groupError.groupNotFound(groupId);
      return groupJson(group);
    },
  );

  app.patch(
    '/v1/groups/:groupId',
    {
      config: { scope: GROUPS_WRITE_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Rename a group',
        description: 'The id, which assignment files name the group by, stays.',
        tags: ['groups'],
        params: GroupParams,
        body: RenameGroupBody,
        response: { 202: GroupAccepted, 400: problemRef, 404: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { groupId } = request.params;
      const position = await renameGroup(
        publisher,
        environment,
        requester,
        groupId,
        request.body.name,
        exists(requester.organizationId),
      );
      reply.code(202);
      return { groupId, position: encodePosition([position]) };
    },
  );

  app.get(
    '/v1/groups/:groupId/members',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The members in a group, by member id',
        tags: ['groups'],
        params: GroupParams,
        querystring: PageQuery,
        response: { 200: GroupMembersPage, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { organizationId } = principalOf(request);
      const { groupId } = request.params;
      if (!(await exists(organizationId)(groupId))) throw groupError.groupNotFound(groupId);
      const page = await membersOfGroup(
        pool,
        organizationId,
        groupId,
        pageOf(request.query, 'groupMembers', organizationId, groupId),
        projection,
      );
      return {
        groupId,
        items: page.items.map(membershipJson),
        ...(page.next ? { nextCursor: cursors.next('groupMembers', organizationId, groupId, page.next) } : {}),
      };
    },
  );

  app.get(
    '/v1/members/:memberId/groups',
    {
      config: { scope: GROUPS_READ_SCOPE, rateLimit: limit },
      schema: {
        summary: 'A member’s enrollment and the groups they are in, by group id',
        tags: ['groups'],
        params: MemberParams,
        querystring: PageQuery,
        response: { 200: MemberGroupsPage, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { organizationId } = principalOf(request);
      const { memberId } = request.params;
      const member = await memberOf(pool, organizationId, memberId, projection);
      if (!member) throw groupError.memberNotFound(memberId);
      const page = await groupsOfMember(
        pool,
        organizationId,
        memberId,
        pageOf(request.query, 'memberGroups', organizationId, memberId),
        projection,
      );
      return {
        member: memberJson(member),
        items: page.items.map(membershipJson),
        ...(page.next ? { nextCursor: cursors.next('memberGroups', organizationId, memberId, page.next) } : {}),
      };
    },
  );
};
