import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './registry-client.ts';

const SCHEMA = JSON.stringify({ type: 'record', name: 'Probe', namespace: 'tributary.test', fields: [] });

/** A registry stand-in on loopback: `answer` decides, per request, whether and what it answers. */
async function registryThat(answer: (n: number, request: IncomingMessage, response: ServerResponse) => void) {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    answer(requests, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
  };
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  response.end(JSON.stringify(body));
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('registering a schema', () => {
  it('gives up with the timeout after three requests the registry never answers', async () => {
    const registry = await registryThat(() => {});
    const client = new RegistryClient({ url: registry.url, timeoutMs: 200 });

    await expect(client.register('probe-value', SCHEMA)).rejects.toThrow(/Timeout \(200ms\)/);
    expect(registry.requests()).toBe(3);
  });

  it('asks again after a timeout and takes the id the registry then answers', async () => {
    let registrations = 0;
    const registry = await registryThat((_n, request, response) => {
      if (request.method === 'POST') {
        registrations += 1;
        if (registrations === 1) return; // the first registration hangs
        return answer(response, 200, { id: 42 });
      }
      answer(response, 200, { compatibilityLevel: 'BACKWARD' }); // the library reads the subject's level first
    });
    const client = new RegistryClient({ url: registry.url, timeoutMs: 200 });

    await expect(client.register('probe-value', SCHEMA)).resolves.toBe(42);
    expect(registrations).toBe(2);
  });

  it('does not repeat a registration the registry refused', async () => {
    let registrations = 0;
    const registry = await registryThat((_n, request, response) => {
      if (request.method !== 'POST') return answer(response, 200, { compatibilityLevel: 'BACKWARD' });
      registrations += 1;
      answer(response, 409, { error_code: 409, message: 'incompatible schema' });
    });
    const client = new RegistryClient({ url: registry.url, timeoutMs: 200 });

    await expect(client.register('probe-value', SCHEMA)).rejects.toThrow(/incompatible schema/);
    expect(registrations).toBe(1);
  });
});
