import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.js';

/** Paths pino blanks in every log line: credentials must never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.accessToken',
  '*.jwtSecret',
  '*.secretAccessKey',
  '*.url',
  '*.videoUrl',
  '*.thumbnailUrl',
  '*.presignedUrl',
  '*.uploadUrl',
  '*.downloadUrl',
  '*.authorization',
  '*.Authorization',
  '*.privateKey',
  '*.clientSecret',
  '*.refreshToken',
  '*.idToken',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers["api-key"]',
  '*.headers["x-api-key"]',
  // HTTP clients' errors (axios) carry the request they made, credentials included.
  '*.config.headers.Authorization',
  '*.config.headers.authorization',
  '*.config.headers["api-key"]',
  '*.config.headers["x-api-key"]',
  '*.config.url',
  '*.response.config.headers.Authorization',
  '*.response.config.headers.authorization',
  '*.response.config.headers["api-key"]',
];

/**
 * What a request log line says about the request. Query strings can carry presigned signatures or tokens (the
 * event stream's `?access_token=`), so only the path is kept; named `path`, not `url`, because `*.url` is
 * redacted (presigned URLs).
 */
export function serializeRequest(req: { id: string; method: string; url?: string }) {
  return { id: req.id, method: req.method, path: req.url?.split('?')[0] };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // Honour a caller's request id (a proxy's, or the front end's) so one id follows a request end to end.
          genReqId: (req: IncomingMessage, res: ServerResponse) => {
            const incoming = req.headers['x-request-id'];
            const id =
              typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          autoLogging: { ignore: (req: IncomingMessage) => req.url?.startsWith('/health') ?? false },
          serializers: { req: serializeRequest },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
