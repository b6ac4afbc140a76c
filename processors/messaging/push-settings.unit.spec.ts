import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../infra/config/errors.ts';
import { loadConfig } from '../../infra/config/load.ts';
import { messagingSlice } from '../../slices/messaging.ts';
import { PUSH_PROCESSOR } from './push-processor.ts';

const NO_DOTENV = '/nonexistent/.env';
const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, dotenvPath: NO_DOTENV });

describe('the messaging configuration', () => {
  it('when nothing is set, then push is off, no scope is required and bodies may be 16 KiB', async () => {
    const { config } = await load({});
    expect(config.messaging).toEqual({
      createThreadScopes: [],
      replyScopes: [],
      maxBodyBytes: 16384,
      push: { enabled: false, events: ['MessageSent'], attempts: 5, timeoutMs: 5000 },
    });
    expect(messagingSlice.processors({ config } as Parameters<typeof messagingSlice.processors>[0])).toEqual([]);
  });

  it('when push is on with its URL and credentials, then the slice runs the push processor with them', async () => {
    const { config } = await load({
      MESSAGING_PUSH_ENABLED: 'true',
      MESSAGING_PUSH_URL: 'https://notify.example/v1/push',
      MESSAGING_PUSH_USERNAME: 'tributary',
      MESSAGING_PUSH_PASSWORD: 'push-secret',
      MESSAGING_PUSH_EVENTS: 'MessageSent, ParticipantAdded',
      MESSAGING_CREATE_THREAD_SCOPES: 'threads:create, threads:admin',
    });
    expect(config.messaging.push).toMatchObject({
      url: 'https://notify.example/v1/push',
      credentials: { username: 'tributary', password: 'push-secret' },
      events: ['MessageSent', 'ParticipantAdded'],
    });
    expect(config.messaging.createThreadScopes).toEqual(['threads:create', 'threads:admin']);
    const [processor] = messagingSlice.processors({ config } as Parameters<typeof messagingSlice.processors>[0]);
    expect(processor).toMatchObject({ name: PUSH_PROCESSOR, topics: ['messages.events'], retry: { attempts: 5 } });
  });

  it('when push is on without a URL, with half the credentials or an unknown event, then loading names each problem', async () => {
    const error = await load({
      MESSAGING_PUSH_ENABLED: 'true',
      MESSAGING_PUSH_USERNAME: 'tributary',
      MESSAGING_PUSH_EVENTS: 'MessageSent,MessageDeleted',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('MESSAGING_PUSH_EVENTS must be one of MessageSent, ThreadCreated, ParticipantAdded');
    expect(problems).toContain('MESSAGING_PUSH_URL is required when MESSAGING_PUSH_ENABLED is true');
    expect(problems).toContain('MESSAGING_PUSH_USERNAME and MESSAGING_PUSH_PASSWORD must be set together');
  });
});
