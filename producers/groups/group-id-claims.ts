import type pg from 'pg';
import type { Migration } from '../../infra/postgres/migrations.ts';
import type { GroupIdClaims } from './manage-groups.ts';

/**
 * The group ids POST /v1/groups has handed out, one row each. The read model learns of a group
 * only once its GroupCreated is applied, so two creations of one id racing through that gap would
 * both be told 202 while the read model kept one name. Claiming the id here first, atomically and
 * for every API instance alike, lets exactly one of them publish.
 */
export const GROUP_ID_CLAIM_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'group ids claimed by a creation',
    sql: `create table public.group_id_claims (
      organization_id text not null,
      group_id text not null,
      claimed_at timestamptz not null default now(),
      primary key (organization_id, group_id))`,
  },
  {
    version: 2,
    name: 'group id claims per read model',
    // Ids are unique within what one read model reads (one groups topic): isolated test runs
    // sharing a database, each with topics and a read model of its own, must not collide.
    sql: `alter table public.group_id_claims add column read_model text not null default '';
      alter table public.group_id_claims drop constraint group_id_claims_pkey;
      alter table public.group_id_claims add primary key (read_model, organization_id, group_id)`,
  },
  {
    version: 3,
    name: 'group id claims remember their publish',
    // A claim whose GroupCreated is on Kafka is never taken again, however far behind the read model is.
    sql: `alter table public.group_id_claims add column published_at timestamptz`,
  },
];

/**
 * A claim this old that never recorded its publish was left by a creation that died between the
 * claim and the publish: it may be claimed again. A published one never is.
 */
export const ABANDONED_CLAIM_SECONDS = 60;

/**
 * The claims of one organization's group ids among one read model's groups (`readModel` names it):
 * `claim` is true for the one caller that gets the id, false while another holds it; `published`
 * takes it for good once its GroupCreated is on Kafka; `release` gives it back when the creation
 * could not publish, so the caller may try again at once.
 */
export function groupIdClaims(db: Pick<pg.Pool, 'query'>, readModel: string, organizationId: string): GroupIdClaims {
  const key = 'read_model = $1 and organization_id = $2 and group_id = $3';
  return {
    async claim(groupId) {
      const { rowCount } = await db.query(
        `insert into public.group_id_claims (read_model, organization_id, group_id) values ($1, $2, $3)
         on conflict (read_model, organization_id, group_id) do update set claimed_at = now()
           where group_id_claims.published_at is null and group_id_claims.claimed_at < now() - make_interval(secs => $4)`,
        [readModel, organizationId, groupId, ABANDONED_CLAIM_SECONDS],
      );
      return rowCount === 1;
    },
    async published(groupId) {
      await db.query(`update public.group_id_claims set published_at = now() where ${key}`, [
        readModel,
        organizationId,
        groupId,
      ]);
    },
    async release(groupId) {
      await db.query(`delete from public.group_id_claims where ${key}`, [readModel, organizationId, groupId]);
    },
  };
}
