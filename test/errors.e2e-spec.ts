import {
  BadRequestException,
  Controller,
  Get,
  INestApplication,
  LoggerService,
  Module,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AllExceptionsFilter } from '../src/common/all-exceptions.filter.js';

// A throwaway controller, only in this spec: production code has no route that fails on purpose.
@Controller('boom')
class BoomController {
  @Get()
  fail(): never {
    throw new Error('database password=hunter2 rejected');
  }

  @Get('bad')
  bad(): never {
    throw new BadRequestException(['prompt should not be empty']);
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

class CapturingLogger implements LoggerService {
  readonly errors: unknown[][] = [];
  log() {}
  warn() {}
  debug() {}
  verbose() {}
  error(...args: unknown[]) {
    this.errors.push(args);
  }
}

describe('errors from unexpected failures', () => {
  let app: INestApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BoomModule] }).compile();
    app = moduleRef.createNestApplication({ logger });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });
  afterAll(() => app.close());

  it('answers 500 in the standard body with an errorId, and logs the cause under the same id', async () => {
    const res = await request(app.getHttpServer()).get('/boom').expect(500);
    expect(res.body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      error: 'Internal Server Error',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(res.text).toMatch(
      /^\{"statusCode":500,"message":"Internal server error","error":"Internal Server Error","errorId":"[0-9a-f-]{36}"\}$/,
    );
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const logged = logger.errors.find((args) => JSON.stringify(args[0]).includes(res.body.errorId));
    expect(logged).toBeDefined();
    expect((logged![0] as { err: Error }).err.message).toContain('rejected');
  });

  it('sends 4xx bodies in the seed’s key order: statusCode, message, error (raw JSON)', async () => {
    const bad = await request(app.getHttpServer()).get('/boom/bad').expect(400);
    expect(bad.text).toBe(
      '{"statusCode":400,"message":["prompt should not be empty"],"error":"Bad Request"}',
    );
    const missing = await request(app.getHttpServer()).get('/nowhere').expect(404);
    expect(missing.text).toBe('{"statusCode":404,"message":"Cannot GET /nowhere","error":"Not Found"}');
  });
});
