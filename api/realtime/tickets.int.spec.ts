import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { connect, RealtimeInstances, token } from './realtime.spec-support.ts';

let backbone: Backbone;
let instances: RealtimeInstances;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  instances = new RealtimeInstances(backbone);
});
afterAll(async () => {
  await instances?.close();
  await backbone?.close();
});

async function takeTicket(app: Awaited<ReturnType<RealtimeInstances['start']>>['app'], authorization?: string) {
  const headers = authorization ? { authorization } : await bearer(backbone, { subject: 'browser-user' });
  return app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers });
}

describe('realtime tickets', () => {
  it('when a browser opens the socket with a ticket, then it opens once: the same ticket is refused with 401 on this instance and on another', async () => {
    const [a, b] = [await instances.start(), await instances.start()];
    const issued = await takeTicket(a.app);
    expect(issued.statusCode).toBe(201);
    const { ticket, expiresInSeconds } = issued.json() as { ticket: string; expiresInSeconds: number };
    expect(expiresInSeconds).toBeLessThanOrEqual(60);

    const opened = await connect(`${a.url}?ticket=${ticket}`, ['tributary.v1']);
    for (const url of [a.url, b.url])
      await expect(connect(`${url}?ticket=${ticket}`, ['tributary.v1'])).rejects.toMatchObject({
        status: 401,
        problem: { code: 'unauthorized', detail: expect.stringContaining('already used') },
      });
    opened.socket.close();
  });

  it('when a bearer token is sent as ?ticket=, then the upgrade is refused with 401 saying it takes a ticket', async () => {
    const { url } = await instances.start();
    await expect(connect(`${url}?ticket=${await token(backbone)}`, ['tributary.v1'])).rejects.toMatchObject({
      status: 401,
      problem: { detail: expect.stringContaining('not a bearer token') },
    });
  });

  it('when a ticket is sent as the bearer token of a REST call, then 401: it takes no other ticket and reads nothing', async () => {
    const { app } = await instances.start();
    const { ticket } = (await takeTicket(app)).json() as { ticket: string };
    const asBearer = `Bearer ${ticket}`;
    const another = await takeTicket(app, asBearer);
    expect(another.statusCode).toBe(401);
    expect(another.json()).toMatchObject({ detail: expect.stringContaining('only opens the websocket') });
    const listed = await app.inject({
      method: 'GET',
      url: '/v1/realtime/subscriptions',
      headers: { authorization: asBearer },
    });
    expect(listed.statusCode).toBe(401);
  });

  it('when a token is at its connection cap, then an upgrade with a new ticket is refused with 429, and that ticket still opens a socket once one is closed', async () => {
    const { app, url } = await instances.start({ realtime: { maxConnectionsPerToken: 1 } });
    const [first, second] = [await takeTicket(app), await takeTicket(app)].map(
      (issued) => (issued.json() as { ticket: string }).ticket,
    );
    const opened = await connect(`${url}?ticket=${first}`, ['tributary.v1']);
    await expect(connect(`${url}?ticket=${second}`, ['tributary.v1'])).rejects.toMatchObject({ status: 429 });
    opened.socket.close();
    await opened.closed;
    await eventually(() => expect(app.websocketServer.clients.size).toBe(0));
    const later = await connect(`${url}?ticket=${second}`, ['tributary.v1']);
    later.socket.close();
  });
});
