import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { DatabaseConnection } from '../database/database-connection.js';
import { ObjectStorage } from '../storage/object-storage.js';
import { SharedCheck } from './shared-check.js';

/** How long one dependency check answers readiness probes. */
const READINESS_CACHE_MS = 1000;

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  // Each dependency is checked at most once per READINESS_CACHE_MS however many probes arrive: concurrent
  // probes share the check in flight, later ones reuse its result. Unshared, anonymous probe traffic made the
  // checks queue behind each other until they timed out and readiness failed with healthy dependencies.
  private readonly databaseCheck: SharedCheck<HealthIndicatorResult>;
  private readonly storageCheck: SharedCheck<HealthIndicatorResult>;

  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(DatabaseConnection) database: DatabaseConnection,
    @Inject(ObjectStorage) storage: ObjectStorage,
  ) {
    this.databaseCheck = new SharedCheck(
      () => this.probe('database', () => database.query('SELECT 1')),
      READINESS_CACHE_MS,
    );
    this.storageCheck = new SharedCheck(
      () => this.probe('storage', () => storage.check()),
      READINESS_CACHE_MS,
    );
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the database and the object storage answer (checked at most once a second)',
  })
  ready() {
    return this.health.check([() => this.databaseCheck.get(), () => this.storageCheck.get()]);
  }

  private async probe(key: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(check(), 3000);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message || (error as Error).name });
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
