import { describe, expect, it } from 'vitest';
import { kafkajsLogMethod } from './log-level.ts';

describe('the level of a kafkajs log line', () => {
  it('when a response fails with an error kafkajs retries (the coordinator loading on a fresh broker), then it is a warning', () => {
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(kafkajsLogMethod('error', 'Response FindCoordinator(key: 10, version: 2)', loading)).toBe('warn');
    expect(
      kafkajsLogMethod(
        'error',
        'Response Metadata(key: 3, version: 6)',
        'There is no leader for this topic-partition as we are in the middle of a leadership election',
      ),
    ).toBe('warn');
  });

  it('when a heartbeat or commit meets a rebalance, which the consumer answers by rejoining, then it is a warning', () => {
    const rebalancing = 'The group is rebalancing, so a rejoin is needed';
    expect(kafkajsLogMethod('error', 'Response Heartbeat(key: 12, version: 3)', rebalancing)).toBe('warn');
    expect(kafkajsLogMethod('error', 'Response OffsetCommit(key: 8, version: 5)', rebalancing)).toBe('warn');
    // A commit of the generation before the rebalance (seen in npm start's log at error).
    const generation = 'Specified group generation id is not valid';
    expect(kafkajsLogMethod('error', 'Response OffsetCommit(key: 8, version: 5)', generation)).toBe('warn');
  });

  it('when a consumer crashes on a retried error (joining while the coordinator loads) and kafkajs restarts it, then both lines are warnings', () => {
    const loading =
      "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group";
    expect(kafkajsLogMethod('error', loading, undefined)).toBe('warn');
    expect(kafkajsLogMethod('error', 'Restarting the consumer in 300ms', undefined)).toBe('warn');
    expect(kafkajsLogMethod('error', 'Crash: KafkaJSProtocolError: Topic authorization failed', undefined)).toBe(
      'error',
    );
  });

  it('when a response fails with an error retrying cannot fix, or another error is logged, then it stays an error', () => {
    expect(
      kafkajsLogMethod(
        'error',
        'Response Produce(key: 0, version: 7)',
        'The request included a message larger than the max message size the server will accept',
      ),
    ).toBe('error');
    expect(
      kafkajsLogMethod('error', 'Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is loading', undefined),
    ).toBe('error');
    expect(kafkajsLogMethod('info', 'Starting', undefined)).toBe('info');
  });
});
