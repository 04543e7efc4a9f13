import { ValidationPipe, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type express from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { jsonBodyReviver, refuseDeepJson } from './common/json-body.js';
import { refuseOversizedBodies } from './common/request-size.middleware.js';
import { AppConfig } from './config/app-config.js';
import { IDEMPOTENCY_KEY_HEADER } from './common/idempotency-key.js';
import { EmbeddedS3Server } from './storage/embedded-s3.server.js';
import { bucketOrigin, contentSecurityDirectives } from './web/content-security.js';
import { startSimulatedProviders } from './simulated-providers.js';

/**
 * One message per invalid field (the first rule it breaks), unknown fields refused: seed 002's validation body is
 * `["id should not be empty", "prompt should not be empty"]`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
  });
}

/**
 * Builds the fully configured application; main.ts and the HTTP tests both use it, so tests run the real thing.
 * In simulated mode it first starts (or points at) the provider simulators. `extra` modules are imported beside
 * AppModule: the benchmark adds its baseline endpoints, so they run behind exactly the same middleware, guards,
 * pipes and filters.
 */
export async function createApp(
  given: AppConfig,
  extra: NonNullable<ModuleMetadata['imports']> = [],
): Promise<NestExpressApplication> {
  const { config, simulators } = await startSimulatedProviders(given);
  let app: NestExpressApplication;
  try {
    app = await createNestApp(config, AppModule.register(config, simulators, extra));
  } catch (error) {
    await simulators?.stop();
    throw error;
  }
  return app;
}

async function createNestApp(
  config: AppConfig,
  root: ReturnType<typeof AppModule.register>,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(root, {
    bufferLogs: true,
    bodyParser: false,
    // Start-up errors are thrown to the caller (main.ts logs them and exits; tests see them) instead of
    // Nest calling process.exit itself.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  if (config.security.trustProxy !== undefined) app.set('trust proxy', config.security.trustProxy);
  // The page at / shows videos from and uploads to the bucket, so the CSP names the bucket's origin.
  const embedded = app.get(EmbeddedS3Server, { strict: false });
  const origin = bucketOrigin({
    ...config.storage,
    // Presigned URLs point at S3_PUBLIC_ENDPOINT when it is set, as the storage module signs them.
    endpoint: config.storage.publicEndpoint ?? embedded?.endpoint ?? config.storage.endpoint,
    forcePathStyle: embedded ? true : config.storage.forcePathStyle,
  });
  app.use(helmet({ contentSecurityPolicy: { directives: contentSecurityDirectives(origin) } }));
  app.enableCors({
    // Unset in development: any origin. In production only the listed origins (none when unset).
    origin: config.security.corsOrigins ?? true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', IDEMPOTENCY_KEY_HEADER, 'X-Request-Id'],
    exposedHeaders: ['Location', 'Retry-After', 'X-Request-Id'],
    // Bearer tokens, not cookies: browsers need no credentialed CORS.
    credentials: false,
    maxAge: 600,
  });
  app.use(
    refuseOversizedBodies({
      bodyLimitBytes: config.bodyLimitBytes,
      maxImageBytes: config.uploads.maxImageBytes,
    }),
  );
  // Nest's type leaves out `verify` because it sets it itself for `rawBody`, which this app does not use.
  const jsonOptions: NonNullable<Parameters<typeof express.json>[0]> = {
    limit: config.bodyLimitBytes,
    verify: refuseDeepJson,
    reviver: jsonBodyReviver,
  };
  app.useBodyParser('json', jsonOptions);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.disable('x-powered-by');

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Video generation API')
      .setDescription('Image-to-video and text-to-video generation with credits, stored in S3.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
