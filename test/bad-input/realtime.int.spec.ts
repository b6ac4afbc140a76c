import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  notification,
  notificationsOf,
  RealtimeInstances,
  token,
  type Client,
  type Refusal,
} from '../../api/realtime/realtime.spec-support.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { bearer } from '../support/api.ts';
import { badTokens } from '../support/bad-input/tokens.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { uniqueName } from '../support/platform.ts';

let backbone: Backbone;
let instances: RealtimeInstances;

beforeAll(async () => {
  // One partition: both organizations' notifications share it, so a resume position of one is one of the other's too.
  backbone = await isolatedBackbone({ partitions: 1 });
  instances = new RealtimeInstances(backbone);
}, 120_000);
afterAll(async () => {
  await instances?.close();
  await backbone?.close();
});

const topics = realtimeTopicsOf().all;
/** The victim's value of a filter key: what the attacker names in its own subscriptions. */
const victimValue = (key: string) => `victim-${key}`;

/** Subscribes to every realtime topic, each filtered on every key it has, with the victim's values. */
async function subscribeToEverything(client: Client, resumeFrom?: string) {
  for (const topic of topics) {
    const filters = Object.fromEntries(topic.filterKeys.map((key) => [key, [victimValue(key)]]));
    client.send({ type: 'subscribe', topics: [topic.name], filters, ...(resumeFrom ? { resumeFrom } : {}) });
  }
  await client.waitFor((m) => m.filter((x) => x.type === 'subscribed').length >= topics.length);
}

describe('bad credentials on the websocket upgrade', () => {
  it('when the upgrade carries an expired, forged, unsigned (alg none), HS512, foreign-audience or garbage token, as a subprotocol or as a ticket, then it is refused with 401 before upgrading', async () => {
    const { url } = await instances.start();
    const wrong: string[] = [];
    for (const bad of await badTokens(backbone.config.auth, uniqueName('org')))
      if (bad.authorization.startsWith('Bearer ')) {
        const jwt = bad.authorization.slice('Bearer '.length);
        for (const [how, attempt] of [
          ['subprotocol', () => connect(url, ['tributary.v1', `bearer.${jwt}`])],
          ['ticket', () => connect(`${url}?ticket=${encodeURIComponent(jwt)}`, ['tributary.v1'])],
        ] as const) {
          const refusal = await attempt().then(
            (client) => {
              client.socket.close();
              return { status: 101, problem: {} };
            },
            (error: Refusal) => error,
          );
          if (refusal.status !== 401) wrong.push(`${bad.name} as a ${how}: ${refusal.status}`);
        }
      }
    expect(wrong).toEqual([]);
  });
});

describe("other organizations' ids in every realtime subscription", () => {
  it("when another organization's client, with the same subject, subscribes to every topic with the victim's filter values, over the socket, over REST and resuming from the start, then it receives none of the victim's notifications while the victim receives all", async () => {
    const { url, passed, app } = await instances.start();
    const victimOrganization = uniqueName('org-victim');
    const attackerOrganization = uniqueName('org-attacker');
    // The same subject in both: only the organization tells them apart.
    const subject = uniqueName('alice');
    const victim = await connect(url, [
      'tributary.v1',
      `bearer.${await token(backbone, { organizationId: victimOrganization, subject })}`,
    ]);
    const attackerToken = await token(backbone, { organizationId: attackerOrganization, subject });
    const attacker = await connect(url, ['tributary.v1', `bearer.${attackerToken}`]);
    await subscribeToEverything(victim);
    await subscribeToEverything(attacker);
    // REST subscriptions reach every session of the caller: the attacker's, never the victim's.
    const rest = await app.inject({
      method: 'POST',
      url: '/v1/realtime/subscriptions',
      headers: await bearer(backbone, {
        organizationId: attackerOrganization,
        subject,
        scopes: ['realtime:subscribe'],
      }),
      payload: { topics: topics.map((topic) => topic.name) },
    });
    expect(rest.statusCode, rest.body).toBe(200);

    const published = topics.map((topic) =>
      notification(topic.name, {
        organizationId: victimOrganization,
        filters: Object.fromEntries(topic.filterKeys.map((key) => [key, victimValue(key)])),
        audience: [subject],
      }),
    );
    await backbone.publisher.publishBatch(published);
    await passed(published);
    await victim.roundTrip();
    await attacker.roundTrip();
    expect(notificationsOf(victim).map((n) => n.topic)).toEqual(topics.map((topic) => topic.name));
    expect(notificationsOf(attacker)).toEqual([]);

    // A late attacker resuming from the first position of the shared partition gets a replay of its own organization only.
    const resumer = await connect(url, ['tributary.v1', `bearer.${attackerToken}`]);
    await subscribeToEverything(resumer, String(notificationsOf(victim)[0]!.position));
    await resumer.roundTrip();
    expect(notificationsOf(resumer)).toEqual([]);
    for (const client of [victim, attacker, resumer]) client.socket.close();
  });
});
