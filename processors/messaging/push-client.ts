import { TributaryError } from '../../infra/errors.ts';
import type { PushSettings } from '../../infra/config/shape.ts';
import type { PushDelivery } from './push-deliveries.ts';

/**
 * The notification service refused or failed a call. `retriable` says whether trying again can
 * help (the consumer runtime reads it): a timeout, a refused connection, 408, 429 and 5xx can; any
 * other 4xx means the call itself is wrong, and the event goes to the dead letters at once.
 */
export class PushFailed extends TributaryError {
  override readonly name = 'PushFailed';
}

export type Fetch = typeof fetch;

/** Calls the notification service once for one delivery; resolves on 2xx, throws PushFailed otherwise. */
export async function sendPush(
  settings: Pick<PushSettings, 'url' | 'credentials' | 'timeoutMs'>,
  delivery: PushDelivery,
  fetchImpl: Fetch = fetch,
): Promise<void> {
  if (!settings.url) throw new Error('push notifications need MESSAGING_PUSH_URL');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': delivery.idempotencyKey,
    'x-correlation-id': delivery.correlationId,
  };
  if (settings.credentials) {
    const { username, password } = settings.credentials;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetchImpl(settings.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(delivery.body),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    throw new PushFailed({
      status: 502,
      code: 'push_unreachable',
      title: 'The notification service did not answer',
      detail: `${delivery.body.recipient}: ${(error as Error).message}`,
      retriable: true,
      cause: error,
    });
  }
  // The body is not needed; reading it lets the connection be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
  throw new PushFailed({
    status: 502,
    code: retriable ? 'push_failed' : 'push_refused',
    title: retriable ? 'The notification service failed' : 'The notification service refused the notification',
    detail: `${delivery.body.recipient}: HTTP ${response.status}`,
    retriable,
  });
}
