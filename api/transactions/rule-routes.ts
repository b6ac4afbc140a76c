import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { normalizeDescription } from '../../processors/transactions/merchant.ts';
import { CLEANSER_SCHEMA } from '../../processors/transactions/state.ts';
import { migrateCleanser } from '../../processors/transactions/workers.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import { ApiError, problem, problemRef } from '../errors.ts';
import { ADMIN_RULES_SCOPE, RuleBody, RuleJson, TAGS } from './schemas.ts';

const RULES = `"${CLEANSER_SCHEMA}".rules`;

interface RuleRow {
  rule_id: string;
  kind: 'alias' | 'category';
  pattern: string;
  value: string;
  priority: number;
  organization_id: string | null;
}

const ruleJson = (row: RuleRow) => ({
  ruleId: row.rule_id,
  kind: row.kind,
  pattern: row.pattern,
  value: row.value,
  priority: row.priority,
  scope: row.organization_id === null ? ('default' as const) : ('organization' as const),
});

/**
 * The cleanser's rules table, changed without a deploy: the defaults (seeded by its migration,
 * read-only here) and the caller's organization's own rules, which come first. The cleanser reads
 * the table in every batch, so a change applies to the next transactions cleansed; what was
 * cleansed before keeps its merchant and category.
 */
export const ruleRoutes: FastifyPluginAsync<{ options: SliceRouteOptions }> = async (instance, { options }) => {
  const { pool } = options;
  const rateLimit = { max: options.api.rateLimitPerMinute, timeWindow: 60_000 };
  await migrateCleanser(pool);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/cleansing-rules',
    {
      config: { scope: ADMIN_RULES_SCOPE, rateLimit },
      schema: {
        summary: 'The merchant aliases and category rules cleansing applies, in the order it tries them',
        tags: TAGS,
        response: { 200: Type.Object({ items: Type.Array(RuleJson) }) },
      },
    },
    async (request) => {
      const { rows } = await pool.query<RuleRow>(
        `select rule_id, kind, pattern, value, priority, organization_id from ${RULES}
         where organization_id is null or organization_id = $1
         order by kind, organization_id is null, priority, length(pattern) desc, pattern`,
        [principalOf(request).organizationId],
      );
      return { items: rows.map(ruleJson) };
    },
  );

  app.put(
    '/v1/cleansing-rules',
    {
      config: { scope: ADMIN_RULES_SCOPE, rateLimit },
      schema: {
        summary: "Add or change one of the organization's rules (by kind and pattern)",
        description:
          'The pattern is normalized as descriptions are (upper case, punctuation to spaces) and matches whole words. Applies from the next batch the cleanser reads.',
        tags: TAGS,
        body: RuleBody,
        response: { 200: RuleJson, 400: problemRef },
      },
    },
    async (request) => {
      const { kind, value, priority } = request.body;
      const pattern = normalizeDescription(request.body.pattern);
      if (pattern === '')
        throw new ApiError(400, 'invalid_rule', 'The rule cannot match anything', undefined, [
          { field: 'body.pattern', problem: 'has no letters or digits' },
        ]);
      const { rows } = await pool.query<RuleRow>(
        `insert into ${RULES} (organization_id, kind, pattern, value, priority) values ($1, $2, $3, $4, $5)
         on conflict (organization_id, kind, pattern)
           do update set value = excluded.value, priority = excluded.priority, updated_at = now()
         returning rule_id, kind, pattern, value, priority, organization_id`,
        [principalOf(request).organizationId, kind, pattern, value.trim(), priority ?? 100],
      );
      return ruleJson(rows[0]!);
    },
  );

  app.delete(
    '/v1/cleansing-rules/:ruleId',
    {
      config: { scope: ADMIN_RULES_SCOPE, rateLimit },
      schema: {
        summary: "Remove one of the organization's rules (the defaults cannot be removed, only outranked)",
        description: 'Answers the rule removed.',
        tags: TAGS,
        params: Type.Object({ ruleId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 200: RuleJson, 400: problemRef, 404: problemRef },
      },
    },
    async (request) => {
      const { rows } = await pool.query<RuleRow>(
        `delete from ${RULES} where rule_id = $1 and organization_id = $2
         returning rule_id, kind, pattern, value, priority, organization_id`,
        [request.params.ruleId, principalOf(request).organizationId],
      );
      if (!rows[0]) throw problem.notFound(`no rule ${request.params.ruleId} of this organization`);
      return ruleJson(rows[0]);
    },
  );
};
