import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PartFailedError, Startup } from './startup.ts';

const quiet = pino({ level: 'silent' });

describe('Startup', () => {
  it('when a part fails to start, then the error names it, and stopAll stops what did start, newest first', async () => {
    const stopped: string[] = [];
    const startup = new Startup(quiet);
    const part = (name: string, fails = false) => ({
      name,
      start: async () => {
        if (fails) throw new Error('port 18080 is taken');
        return name;
      },
      stop: async (value: string) => void stopped.push(value),
    });
    await startup.part(part('connections'));
    const failure = await startup
      .together([part('projection a'), part('relay', true)])
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PartFailedError);
    expect((failure as PartFailedError).message).toBe('relay did not start: port 18080 is taken');
    expect((failure as PartFailedError).part).toBe('relay');
    await startup.stopAll();
    expect(stopped).toEqual(['projection a', 'connections']);
  });

  it('when every part starts, then the stop steps run newest first and a failing stop does not keep the others from stopping', async () => {
    const stopped: string[] = [];
    const startup = new Startup(quiet);
    await startup.part({ name: 'first', start: async () => 1, stop: async () => void stopped.push('first') });
    await startup.part({
      name: 'second',
      start: async () => 2,
      stop: async () => {
        throw new Error('cannot stop');
      },
    });
    expect(startup.steps().map((step) => step.name)).toEqual(['second', 'first']);
    await startup.stopAll();
    expect(stopped).toEqual(['first']);
  });
});
