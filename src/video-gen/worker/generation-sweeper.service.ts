import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { JobName } from '../../jobs/job-definitions.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { OnJob } from '../../jobs/on-job.decorator.js';
import { GenerationSettlement } from '../generation-settlement.service.js';
import { GenerationsRepository } from '../generations.repository.js';

/**
 * Nothing stays paid-for and unfinished forever: a generation past its deadline (GENERATION_DEADLINE_MS)
 * is failed and refunded, whatever happened to the worker that had it.
 */
@Injectable()
export class GenerationSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger(GenerationSweeper.name);

  constructor(
    @Inject(GenerationsRepository) private readonly generations: GenerationsRepository,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(GenerationSettlement) private readonly settlement: GenerationSettlement,
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
    const overdue = await this.generations.overdue(now, 500);
    for (const id of overdue) {
      await this.settlement.fail(id, {
        code: 'TIMED_OUT',
        message: 'The generation did not finish in time; your credits were refunded',
      });
    }
    if (overdue.length > 0) this.logger.warn(`timed out ${overdue.length} generation(s) past their deadline`);
    return overdue.length;
  }
}
