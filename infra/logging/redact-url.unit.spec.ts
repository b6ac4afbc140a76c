import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger.ts';
import { redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('when a query carries a ticket, a token or a pre-signed signature, then only those values are replaced', () => {
    expect(redactUrl('/v1/realtime?ticket=eyJhbGciOi.abc.def')).toBe('/v1/realtime?ticket=[redacted]');
    expect(redactUrl('/x?after=abc&token=secret&wait=10#frag')).toBe('/x?after=abc&token=[redacted]&wait=10#frag');
    expect(redactUrl('https://s3/b/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=f00&X-Amz-Expires=300')).toBe(
      'https://s3/b/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Expires=300',
    );
    expect(redactUrl('/health/live')).toBe('/health/live');
  });
});

describe('the root logger', () => {
  it('when a request line or any url field carries a credential in its query, then the line holds no credential', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions({ level: 'info', format: 'json' }), sink);
    logger.info({ req: { method: 'GET', url: '/v1/realtime?ticket=eyJ.secret.sig', headers: {} } }, 'incoming request');
    logger.info({ url: '/v1/realtime?token=eyJ.secret.sig' }, 'upgrade');
    logger.info({ authorization: 'Bearer eyJ.secret.sig', headers: { authorization: 'Bearer eyJ.secret.sig' } }, 'x');
    const all = lines.join('\n');
    expect(all).not.toContain('eyJ.secret.sig');
    expect(all).toContain('/v1/realtime?ticket=[redacted]');
  });
});
