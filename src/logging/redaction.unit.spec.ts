import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS, serializeRequest } from './logging.module.js';

/** A pino logger with the service's redaction, writing into a string. */
function capture() {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
  return { logger, output: () => output };
}

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const PRESIGNED = 'http://127.0.0.1:9000/video-gen/images/alice/a.png?X-Amz-Signature=deadbeef';

describe('log redaction', () => {
  it('blanks bearer tokens, secrets and presigned URLs wherever the service logs them', () => {
    const { logger, output } = capture();
    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: 'sid=1' } } }, 'request');
    logger.info({ upload: { key: 'images/alice/a.png', url: PRESIGNED, uploadUrl: PRESIGNED } }, 'presigned');
    logger.info({ config: { auth: { jwtSecret: 'top-secret-value' } } }, 'config');
    logger.info({ result: { videoUrl: PRESIGNED, thumbnailUrl: PRESIGNED } }, 'result');
    const text = output();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('X-Amz-Signature');
    expect(text).not.toContain('sid=1');
    expect(text).toContain('images/alice/a.png'); // keys are not secret and help debugging
  });

  it('blanks the credentials an HTTP client error carries', () => {
    const { logger, output } = capture();
    const error = Object.assign(new Error('Request failed with status code 500'), {
      config: {
        url: PRESIGNED,
        headers: { Authorization: 'Key fal-secret-key', 'api-key': 'azure-secret-key' },
      },
      response: { status: 500, config: { headers: { Authorization: 'Key fal-secret-key' } } },
    });
    logger.error({ errorId: 'e1', err: error }, '500 Internal server error');
    const text = output();
    expect(text).toContain('Request failed with status code 500');
    expect(text).not.toContain('fal-secret-key');
    expect(text).not.toContain('azure-secret-key');
    expect(text).not.toContain('X-Amz-Signature');
  });

  it('logs requests without their query string, so a stream token never reaches the logs', () => {
    const { logger, output } = capture();
    const url = '/video-gen/generations/0b9c/events?access_token=vgst_secretvalue&lastEventId=3';
    logger.info({ req: serializeRequest({ id: 'r1', method: 'GET', url }) }, 'request completed');
    const text = output();
    expect(text).toContain('/video-gen/generations/0b9c/events');
    expect(text).not.toContain('vgst_secretvalue');
  });
});
