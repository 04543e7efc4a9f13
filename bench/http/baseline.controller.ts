import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  OnModuleDestroy,
  Post,
} from '@nestjs/common';
import pg from 'pg';
import type { AuthUser } from '../../src/auth/auth-user.js';
import { CurrentUser } from '../../src/auth/current-user.decorator.js';
import { AppConfig } from '../../src/config/app-config.js';
import { CreateGenerationDto } from '../../src/video-gen/api/dto/create-generation.dto.js';

/** What both baselines answer: about the size of a real 202 body. */
const CONSTANT = {
  id: '00000000-0000-4000-8000-000000000000',
  status: 'queued',
  kind: 'image-to-video',
  model: 'veo3',
  duration: '8s',
  credits: { reserved: 750, used: 0, refunded: 0 },
};

/**
 * The writes of `POST /video-gen/generations` by hand, with plain `pg` and no ORM, in one transaction: the
 * Generation row, its segment, the credit reservation (the ledger's conditional debit and RESERVE entry, with
 * creditsReserved folded into the same statement: the least those writes can cost), and the pg-boss job row.
 */
@Injectable()
export class RawCreate implements OnModuleDestroy {
  private readonly pool: pg.Pool;

  constructor(@Inject(AppConfig) config: AppConfig) {
    // The same number of connections as the service's own pool.
    this.pool = new pg.Pool({ connectionString: config.database.url, max: config.database.poolSize });
  }

  async create(userId: string, body: CreateGenerationDto): Promise<typeof CONSTANT> {
    const id = randomUUID();
    const now = new Date();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO "Generation" (id, "userId", kind, model, prompt, params, "sourceImageKey", "deadlineAt", "updatedAt")
         VALUES ($1, $2, 'IMAGE_TO_VIDEO', 'veo3', $3, $4, $5, $6, $7)`,
        [
          id,
          userId,
          body.prompt,
          JSON.stringify({ kind: body.kind, duration: body.duration ?? '8s', durationSeconds: 8 }),
          body.id,
          new Date(now.getTime() + 30 * 60_000),
          now,
        ],
      );
      await client.query(
        `INSERT INTO "GenerationSegment" (id, "generationId", index, prompt, "durationSeconds", provider, "updatedAt")
         VALUES ($1, $2, 0, $3, 8, 'fal', $4)`,
        [randomUUID(), id, body.prompt, now],
      );
      const { rows } = await client.query(
        `WITH debited AS (
           UPDATE "CreditAccount" SET balance = balance - 750, "updatedAt" = $3
            WHERE "userId" = $1 AND balance >= 750
           RETURNING balance
         ), entry AS (
           INSERT INTO "CreditEntry" (id, "userId", type, amount, "balanceAfter", reason, "generationId", "createdAt")
           SELECT $4::uuid, $1, 'RESERVE', -750, balance, 'veo3 image-to-video 8s', $2::uuid, $3 FROM debited
           ON CONFLICT ("generationId", type) DO NOTHING
           RETURNING id
         ), marked AS (
           UPDATE "Generation" SET "creditsReserved" = 750, "updatedAt" = $3
            WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM entry)
         )
         SELECT (SELECT balance FROM debited) AS debited`,
        [userId, id, now, randomUUID()],
      );
      if (rows[0].debited === null) throw new Error(`no credits left for ${userId}`);
      await client.query(
        `INSERT INTO pgboss.job (name, data, singleton_key, policy, retry_limit, retry_delay, retry_backoff,
                                 retry_delay_max, expire_seconds, heartbeat_seconds)
         VALUES ('generation.fal', $1, $2, 'exclusive', 4, 5, true, 300, 3600, 30)`,
        [JSON.stringify({ generationId: id, provider: 'fal' }), id],
      );
      await client.query('COMMIT');
      return { ...CONSTANT, id };
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The benchmark's baselines, served by the same application (same middleware, guards, validation pipe and
 * filters) as the endpoint they are compared with. Bench-only: never part of the service.
 */
@Controller('bench')
export class BaselineController {
  constructor(@Inject(RawCreate) private readonly raw: RawCreate) {}

  /** Authentication, throttling, body parsing and validation of the real request, then a constant. */
  @Post('constant')
  @HttpCode(HttpStatus.ACCEPTED)
  constant(@CurrentUser() _user: AuthUser, @Body() _body: CreateGenerationDto): typeof CONSTANT {
    return CONSTANT;
  }

  /** The same, then the create's database writes by hand. */
  @Post('raw-pg')
  @HttpCode(HttpStatus.ACCEPTED)
  rawPg(@CurrentUser() user: AuthUser, @Body() body: CreateGenerationDto): Promise<typeof CONSTANT> {
    return this.raw.create(user.id, body);
  }
}

@Module({ controllers: [BaselineController], providers: [RawCreate] })
export class BaselineModule {}
