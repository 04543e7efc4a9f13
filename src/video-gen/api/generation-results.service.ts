import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../../common/domain-errors.js';
import type { AuthUser } from '../../auth/auth-user.js';
import { AppConfig } from '../../config/app-config.js';
import { JobName } from '../../jobs/job-definitions.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { OnJob } from '../../jobs/on-job.decorator.js';
import { ObjectStorage } from '../../storage/object-storage.js';
import { type Generation, isTerminal } from '../generation.js';
import { GenerationsRepository } from '../generations.repository.js';
import { GenerationsService } from './generations.service.js';
import { ContentVariant, contentKey, resultObjectKeys, retentionCutoff } from './result-objects.js';

/** Presigned links from /content are for the redirect that follows at once, not for keeping. */
const CONTENT_URL_TTL_SECONDS = 300;
/** Expired generations removed per retention run; the next run continues. */
const RETENTION_BATCH = 200;

/**
 * A finished generation's files: a stable link to each (a redirect to a fresh presigned URL), deleting them
 * on request, and deleting old ones under RESULT_RETENTION_DAYS. Deleting removes the objects and marks the
 * generation deleted; its ledger entries stay, so the account still adds up.
 */
@Injectable()
export class GenerationResults implements OnApplicationBootstrap {
  private readonly logger = new Logger(GenerationResults.name);

  constructor(
    @Inject(GenerationsRepository) private readonly repository: GenerationsRepository,
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Inject(GenerationsService) private readonly generations: GenerationsService,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { retentionDays, retentionIntervalMs } = this.config.generation;
    if (retentionDays !== undefined) this.jobs.repeat(JobName.ResultRetention, retentionIntervalMs, {});
  }

  /** A freshly presigned URL for one variant of the caller's finished generation; 404 when there is none. */
  async contentUrl(user: AuthUser, id: string, variant: ContentVariant): Promise<string> {
    const generation = await this.generations.get(user, id);
    const key = contentKey(generation, variant);
    if (!key) {
      throw new NotFoundError(
        generation.status === 'SUCCEEDED'
          ? `Generation ${id} has no ${variant}`
          : `Generation ${id} has no ${variant}: it is ${generation.status.toLowerCase()}`,
      );
    }
    return this.storage.presignGet(
      key,
      Math.min(CONTENT_URL_TTL_SECONDS, this.config.storage.presignTtlSeconds),
    );
  }

  /** Deletes the caller's ended generation: its objects go, later reads answer 404, the ledger stays. */
  async delete(user: AuthUser, id: string): Promise<void> {
    const generation = await this.generations.get(user, id);
    if (!isTerminal(generation)) {
      throw new ConflictError(
        `Generation ${id} is ${generation.status.toLowerCase()}; cancel it (POST /video-gen/generations/${id}/cancel) or wait for it to end, then delete it`,
      );
    }
    if (await this.isBeingExtended(id)) {
      throw new ConflictError(`Generation ${id} is being extended; delete it once the extension has ended`);
    }
    await this.remove(generation);
  }

  @OnJob(JobName.ResultRetention)
  async handleRetention(): Promise<void> {
    await this.expire();
  }

  /** Deletes every result past RESULT_RETENTION_DAYS (in batches); returns how many. */
  async expire(now = new Date()): Promise<number> {
    const cutoff = retentionCutoff(now, this.config.generation.retentionDays);
    if (!cutoff) return 0;
    let removed = 0;
    for (;;) {
      const expired = await this.findExpired(cutoff, RETENTION_BATCH);
      let removedNow = 0;
      for (const generation of expired) {
        // An extension still running reads its parent's video: that one waits for the next run.
        if (await this.isBeingExtended(generation.id)) continue;
        await this.remove(generation);
        removedNow++;
      }
      removed += removedNow;
      if (expired.length < RETENTION_BATCH || removedNow === 0) break;
    }
    if (removed > 0) this.logger.log(`removed ${removed} result(s) older than the retention period`);
    return removed;
  }

  /** Ended, not yet deleted generations finished before `cutoff`, oldest first (the rule of `isExpired`). */
  findExpired(cutoff: Date, limit: number): Promise<Generation[]> {
    return this.repository.ended(cutoff, limit);
  }

  private isBeingExtended(id: string): Promise<boolean> {
    return this.repository.isBeingExtended(id);
  }

  /**
   * Objects first, then the mark: if the store fails half way, the generation is still there to delete
   * again (deleting a missing object is not an error), rather than marked deleted with files left behind.
   */
  private async remove(generation: Generation): Promise<void> {
    for (const key of resultObjectKeys(generation)) await this.storage.delete(key);
    await this.repository.markDeleted(generation.id);
  }
}
