import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { uniqueName } from '../../test/support/platform.ts';
import {
  connect,
  notification,
  notificationsOf,
  RealtimeInstances,
  token as tokenOf,
} from './realtime.spec-support.ts';

let backbone: Backbone;
let instances: RealtimeInstances;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  instances = new RealtimeInstances(backbone);
});
afterAll(async () => {
  await instances?.close();
  await backbone?.close();
});

const instance = (options: Parameters<RealtimeInstances['start']>[0] = {}) => instances.start(options);
const token = (claims: Parameters<typeof bearer>[1] = {}) => tokenOf(backbone, claims);

describe('the realtime websocket', () => {
  it('when the upgrade lacks a token, has a bad one, comes from another origin or lacks the scope, then it is refused before upgrading', async () => {
    const { url } = await instance();
    await expect(connect(url, ['tributary.v1'])).rejects.toMatchObject({ status: 401 });
    await expect(connect(url, ['tributary.v1', 'bearer.not-a-token'])).rejects.toMatchObject({ status: 401 });
    await expect(
      connect(url, ['tributary.v1', `bearer.${await token()}`], { origin: 'https://evil.example' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      connect(url, ['tributary.v1', `bearer.${await token({ scopes: ['events:read'] })}`]),
    ).rejects.toMatchObject({ status: 403 });
    const ok = await connect(url, ['tributary.v1', `bearer.${await token()}`], { origin: 'http://127.0.0.1:18080' });
    expect(ok.socket.protocol).toBe('tributary.v1');
    ok.socket.close();
  });

  it('when the upgrade does not offer the tributary.v1 subprotocol, then it is refused with 400 naming it, whatever the credential; a plain GET is 426', async () => {
    const { app, url } = await instance();
    const bearerOnly = connect(url, [`bearer.${await token()}`]);
    await expect(bearerOnly).rejects.toMatchObject({
      status: 400,
      problem: { code: 'subprotocol_required', detail: expect.stringContaining('tributary.v1') },
    });
    const issued = await app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: await bearer(backbone) });
    const { ticket } = issued.json() as { ticket: string };
    await expect(connect(`${url}?ticket=${ticket}`, [])).rejects.toMatchObject({
      status: 400,
      problem: { code: 'subprotocol_required' },
    });
    // Refused before it was spent: the ticket still opens a socket that offers the subprotocol.
    const ok = await connect(`${url}?ticket=${ticket}`, ['tributary.v1']);
    expect(ok.socket.protocol).toBe('tributary.v1');
    ok.socket.close();
    const plain = await app.inject({ method: 'GET', url: '/v1/realtime' });
    expect(plain.statusCode).toBe(426);
    expect(plain.json()).toMatchObject({ code: 'upgrade_required' });
  });

  it('when the OpenAPI document is read, then it describes GET /v1/realtime: the upgrade, the subprotocols, the ticket, the close codes and each response', async () => {
    const { app } = await instance();
    const document = (await app.inject({ url: '/docs/json' })).json() as {
      paths: Record<
        string,
        { get?: { description: string; parameters: { name: string; in: string }[]; responses: object } }
      >;
    };
    const socket = document.paths['/v1/realtime']?.get;
    expect(socket).toBeDefined();
    for (const text of [
      'tributary.v1',
      'bearer.<jwt>',
      '?ticket=',
      '4401',
      '4400',
      '4008',
      '4000',
      '1009',
      'expiring',
      'refetch',
    ])
      expect(socket!.description).toContain(text);
    expect(socket!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ticket', in: 'query' })]),
    );
    expect(Object.keys(socket!.responses)).toEqual(expect.arrayContaining(['101', '400', '401', '403', '429']));
  });

  it("when notifications flow, then a client gets its own organization's, on its topics, matching its filters, each with a position", async () => {
    const { url, passed } = await instance();
    // A subject of its own: REST subscriptions stored for a shared one (by other tests) would also deliver.
    const client = await connect(url, ['tributary.v1', `bearer.${await token({ subject: uniqueName('user') })}`]);
    client.send({ type: 'subscribe', topics: ['account_balanceupdated'], filters: { accountId: ['acc-1'] } });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    const mine = notification('account_balanceupdated', {
      filters: { accountId: 'acc-1' },
      data: { balanceMinor: 10 },
    });
    const published = [
      notification('account_balanceupdated', { filters: { accountId: 'acc-2' } }),
      notification('account_balanceupdated'),
      notification('message_sent', { filters: { threadId: 'acc-1' } }),
      notification('account_balanceupdated', { filters: { accountId: 'acc-1' }, organizationId: 'org-other' }),
      mine,
    ];
    await backbone.publisher.publishBatch(published);
    await passed(published);
    await client.roundTrip();
    expect(notificationsOf(client)).toEqual([
      expect.objectContaining({
        id: mine.metadata.eventId,
        topic: 'account_balanceupdated',
        filters: { accountId: 'acc-1' },
        data: { balanceMinor: 10 },
        position: expect.stringMatching(/^\d+-\d+$/),
      }),
    ]);
    client.socket.close();
  });

  it('when a notification names its audience, then only those subjects of the organization get it', async () => {
    const { url, passed } = await instance();
    const connectAs = async (subject: string) => {
      const client = await connect(url, ['tributary.v1', `bearer.${await token({ subject })}`]);
      client.send({ type: 'subscribe', topics: ['message_sent'] });
      await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));
      return client;
    };
    const [alice, mallory] = [await connectAs('alice'), await connectAs('mallory')];
    const forAlice = notification('message_sent', { filters: { threadId: 't-1' }, audience: ['alice', 'bob'] });
    const forEveryone = notification('message_sent', { filters: { threadId: 't-2' } });

    await backbone.publisher.publishBatch([forAlice, forEveryone]);
    await passed([forAlice, forEveryone]);
    await alice.roundTrip();
    await mallory.roundTrip();

    expect(notificationsOf(alice).map((n) => n.id)).toEqual([forAlice.metadata.eventId, forEveryone.metadata.eventId]);
    expect(notificationsOf(mallory).map((n) => n.id)).toEqual([forEveryone.metadata.eventId]);
    alice.socket.close();
    mallory.socket.close();
  });

  it('when a message is not JSON, holds a __proto__ key, names an unknown topic or a filter key its topic lacks, then an error frame says which and the socket closes with 4400', async () => {
    const { url } = await instance();
    const cases: [unknown, RegExp][] = [
      ['{"type": "subscribe"', /the message is not JSON/],
      // Dropped by the checks after parsing, it subscribed with no filter at all.
      ['{"type":"subscribe","topics":["message_sent"],"filters":{"__proto__":["x"]}}', /"__proto__" key is refused/],
      [
        { type: 'subscribe', topics: ['account_balance'] },
        /unknown topic "account_balance"; the topics are: .*account_balanceupdated/,
      ],
      [
        { type: 'subscribe', topics: ['message_sent'], filters: { accountId: ['acc-1'] } },
        /topic "message_sent" cannot be filtered by "accountId"; its filter keys are: threadId/,
      ],
    ];
    for (const [message, expected] of cases) {
      const client = await connect(url, ['tributary.v1', `bearer.${await token()}`]);
      client.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
      const closed = await client.closed;
      expect(closed.code).toBe(4400);
      expect(client.received.find((m) => m.type === 'error')).toMatchObject({
        code: 'bad_message',
        detail: expect.stringMatching(expected),
      });
    }
  });

  it('when a client reconnects with its last position, then it gets everything it missed in order, without duplicates, then live ones, even on another instance', async () => {
    const first = await instance();
    const second = await instance();
    const credentials = ['tributary.v1', `bearer.${await token({ organizationId: 'org-resume' })}`];
    const before = await connect(first.url, credentials);
    before.send({ type: 'subscribe', topics: ['message_sent'] });
    await before.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    const n1 = notification('message_sent', { organizationId: 'org-resume', data: { n: 1 } });
    await backbone.publisher.publish(n1);
    await before.waitFor((m) => notificationsOf({ received: m }).length === 1);
    const last = notificationsOf(before)[0]!.position as string;
    before.socket.terminate(); // the connection drops

    const missed = [2, 3, 4].map((n) => notification('message_sent', { organizationId: 'org-resume', data: { n } }));
    await backbone.publisher.publishBatch(missed);
    await second.passed(missed);
    const after = await connect(second.url, credentials);
    after.send({ type: 'subscribe', topics: ['message_sent'], resumeFrom: last });
    await after.waitFor((m) => notificationsOf({ received: m }).length === 3);
    const live = notification('message_sent', { organizationId: 'org-resume', data: { n: 5 } });
    await backbone.publisher.publish(live);
    await after.waitFor((m) => notificationsOf({ received: m }).length === 4);
    await after.roundTrip();
    expect(notificationsOf(after).map((m) => (m.data as { n: number }).n)).toEqual([2, 3, 4, 5]);
    after.socket.close();
  });

  it('when several instances run, then each delivers every notification to its own clients', async () => {
    const [a, b] = [await instance(), await instance()];
    const credentials = ['tributary.v1', `bearer.${await token({ organizationId: 'org-fanout' })}`];
    const clients = [await connect(a.url, credentials), await connect(b.url, credentials)];
    for (const client of clients) client.send({ type: 'subscribe', topics: ['log_error'] });
    await Promise.all(clients.map((c) => c.waitFor((m) => m.some((x) => x.type === 'subscribed'))));
    const note = notification('log_error', { organizationId: 'org-fanout' });
    await backbone.publisher.publish(note);
    await Promise.all(clients.map((c) => c.waitFor((m) => m.some((x) => x.id === note.metadata.eventId))));
    for (const client of clients) client.socket.close();
  });

  it('when a position is older than what is kept, then the client is told to refetch', async () => {
    const { url, passed } = await instance({ buffer: 2 });
    const burst = Array.from({ length: 6 }, (_, n) =>
      notification('log_error', { organizationId: 'org-old', data: { n } }),
    );
    const positions = await backbone.publisher.publishBatch(burst);
    await passed(burst);
    const client = await connect(url, ['tributary.v1', `bearer.${await token({ organizationId: 'org-old' })}`]);
    client.send({
      type: 'subscribe',
      topics: ['log_error'],
      resumeFrom: `${positions[0]!.partition}-${positions[0]!.offset}`,
    });
    await client.waitFor((m) => m.some((x) => x.type === 'refetch'));
    expect(client.received.find((m) => m.type === 'refetch')).toMatchObject({
      reason: expect.stringContaining('no longer kept'),
    });
    client.socket.close();
  });

  it("when a client resumes from a position on another partition than its organization's, or past the end of its partition, then it is told to refetch and live notifications still come", async () => {
    const { url, passed } = await instance();
    const organizationId = 'org-partition';
    const first = notification('log_error', { organizationId, data: { n: 1 } });
    const [written] = await backbone.publisher.publishBatch([first]);
    await passed([first]);
    const own = written!.partition;
    const cases: [string, RegExp][] = [
      [`${1 - own}-0`, new RegExp(`not on partition ${own}, where this organization's notifications are`)],
      [`${own}-${BigInt(written!.offset) + 1000n}`, new RegExp(`past the end of partition ${own}`)],
    ];
    for (const [resumeFrom, reason] of cases) {
      const client = await connect(url, ['tributary.v1', `bearer.${await token({ organizationId })}`]);
      client.send({ type: 'subscribe', topics: ['log_error'], resumeFrom });
      await client.waitFor((m) => m.some((x) => x.type === 'refetch'));
      expect(client.received.find((m) => m.type === 'refetch')).toMatchObject({
        reason: expect.stringMatching(reason),
      });
      const live = notification('log_error', { organizationId, data: { n: 2 } });
      await backbone.publisher.publish(live);
      await client.waitFor((m) => m.some((x) => x.id === live.metadata.eventId));
      client.socket.close();
    }
  });

  it('when a client stops reading, then it is closed with 4008 rather than slowing the others', async () => {
    const { url } = await instance({ realtime: { maxBufferedBytes: 64 * 1024 } });
    const credentials = ['tributary.v1', `bearer.${await token({ organizationId: 'org-slow' })}`];
    const slow = await connect(url, credentials);
    const healthy = await connect(url, credentials);
    for (const client of [slow, healthy]) client.send({ type: 'subscribe', topics: ['attachment_uploaded'] });
    await Promise.all([slow, healthy].map((c) => c.waitFor((m) => m.some((x) => x.type === 'subscribed'))));
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(100_000);
    const burst = Array.from({ length: 60 }, () =>
      notification('attachment_uploaded', { organizationId: 'org-slow', data: { big } }),
    );
    // One at a time: a batch of them would exceed the broker's largest message.
    for (const item of burst) await backbone.publisher.publish(item);
    await healthy.waitFor((m) => notificationsOf({ received: m }).length === 60, 30_000);
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(4008);
    healthy.socket.close();
  });

  it('when a client does not answer heartbeats, then it is closed', async () => {
    const { app, url } = await instance({ realtime: { heartbeatMs: 200 } });
    const client = await connect(url, ['tributary.v1', `bearer.${await token({ subject: 'sleepy' })}`]);
    const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause(); // pings go unanswered
    await eventually(() => expect(app.websocketServer.clients.size).toBe(0), { timeoutMs: 10_000 });
    raw.resume();
    expect((await client.closed).code).toBe(4000);
  });
  it('when a socket is opened with a token that expires in 3 s, directly or with a ticket taken with it, then an expiring frame comes and the socket is closed with 4401 at the expiry', async () => {
    const { app, url } = await instance();
    const headers = await bearer(backbone, { organizationId: 'org-expiry', expiresIn: '3s' });
    const shortLived = headers.authorization.slice('Bearer '.length);
    const expiresAt = decodeJwt(shortLived).exp! * 1000;
    const issued = await app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers });
    const { ticket } = issued.json() as { ticket: string };
    const clients = [
      await connect(url, ['tributary.v1', `bearer.${shortLived}`]),
      await connect(`${url}?ticket=${ticket}`, ['tributary.v1']),
    ];
    for (const client of clients) client.send({ type: 'subscribe', topics: ['log_error'] });
    const closes = await Promise.all(clients.map((c) => c.closed.then((closed) => ({ ...closed, at: Date.now() }))));
    for (const [n, client] of clients.entries()) {
      expect(closes[n]).toMatchObject({ code: 4401, reason: 'token expired' });
      expect(closes[n]!.at).toBeGreaterThanOrEqual(expiresAt - 50);
      expect(closes[n]!.at).toBeLessThan(expiresAt + 1500);
      const expiring = client.received.find((m) => m.type === 'expiring');
      expect(expiring).toMatchObject({ inSeconds: expect.any(Number) });
      expect(expiring!.inSeconds as number).toBeLessThanOrEqual(3);
    }
  });
});

describe('REST subscriptions for a user sessions', () => {
  it('when a user subscribes over REST, then every open session of that user, on every instance, receives the topic; unsubscribing stops it', async () => {
    const [a, b] = [await instance(), await instance()];
    const headers = await bearer(backbone, { organizationId: 'org-rest', subject: 'carol' });
    const membership = () => notification('group_membership_changed', { organizationId: 'org-rest' });
    const credentials = ['tributary.v1', `bearer.${headers.authorization.slice('Bearer '.length)}`];
    const sessions = [await connect(a.url, credentials), await connect(b.url, credentials)];
    const other = await connect(a.url, [
      'tributary.v1',
      `bearer.${await token({ organizationId: 'org-rest', subject: 'dave' })}`,
    ]);

    const subscribed = await a.app.inject({
      method: 'POST',
      url: '/v1/realtime/subscriptions',
      headers,
      payload: { topics: ['group_membership_changed'] },
    });
    expect(subscribed.statusCode).toBe(200);
    expect(subscribed.json()).toEqual({
      subscriptions: [{ topic: 'group_membership_changed', filters: {} }],
    });
    // The sessions learn of it through Postgres NOTIFY: publish until one reaches every session.
    const probes: NotificationIssued[] = [];
    await eventually(async () => {
      const probe = membership();
      probes.push(probe);
      await backbone.publisher.publish(probe);
      await Promise.all([a, b].map((instance) => instance.passed([probe])));
      await Promise.all(sessions.map((s) => s.roundTrip()));
      for (const session of sessions)
        expect(notificationsOf(session).map((m) => m.id)).toContain(probe.metadata.eventId);
    });
    await a.passed(probes);
    await other.roundTrip();
    expect(notificationsOf(other)).toEqual([]);

    await b.app.inject({
      method: 'DELETE',
      url: '/v1/realtime/subscriptions',
      headers,
      payload: { topics: ['group_membership_changed'] },
    });
    // Publish until one reaches no session any more; from then on none does.
    await eventually(async () => {
      const probe = membership();
      const before = sessions.map((s) => notificationsOf(s).length);
      await backbone.publisher.publish(probe);
      await Promise.all([a, b].map((instance) => instance.passed([probe])));
      await Promise.all(sessions.map((s) => s.roundTrip()));
      expect(sessions.map((s) => notificationsOf(s).length)).toEqual(before);
    });
    const after = sessions.map((s) => notificationsOf(s).length);
    const last = membership();
    await backbone.publisher.publish(last);
    await Promise.all([a, b].map((instance) => instance.passed([last])));
    await Promise.all(sessions.map((s) => s.roundTrip()));
    expect(sessions.map((s) => notificationsOf(s).length)).toEqual(after);
    for (const client of [...sessions, other]) client.socket.close();
  });
});
