import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import { JobName } from '../jobs/job-definitions.js';
import { JobQueue } from '../jobs/job-queue.js';
import { OnJob } from '../jobs/on-job.decorator.js';
import { GenerationFailure } from '../common/failures/generation-failure.js';
import { GenerationRunner } from './generation-runner.service.js';

/**
 * Nothing stays paid-for and unfinished forever: a generation past its deadline (GENERATION_DEADLINE_MS)
 * is failed and refunded, whatever happened to the worker that had it.
 */
@Injectable()
export class GenerationSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(GenerationSweeper.name);

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(GenerationRunner) private readonly runner: GenerationRunner,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.repeat(JobName.GenerationSweep, this.config.jobs.sweepIntervalMs, {});
  }

  @OnJob(JobName.GenerationSweep)
  async handleSweep(): Promise<void> {
    await this.sweep();
  }

  /** Fails and refunds every generation past its deadline; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const overdue = await this.prisma.generation.findMany({
      where: { status: { in: ['QUEUED', 'RUNNING'] }, deadlineAt: { lt: now } },
      select: { id: true },
      take: 500,
    });
    for (const { id } of overdue) {
      await this.runner.fail(
        id,
        new GenerationFailure(
          'TIMED_OUT',
          'The generation did not finish in time; your credits were refunded',
        ),
      );
    }
    if (overdue.length > 0) this.logger.warn(`timed out ${overdue.length} generation(s) past their deadline`);
    return overdue.length;
  }
}
