import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { JobQueue } from '../jobs/job-queue.js';
import { GenerationEventFeed } from '../video-gen/generation-event-feed.js';
import { WebhooksService } from './webhooks.service.js';

/** A claimed delivery stays this process's for this long (a crashed worker delays it by at most this). */
const LEASE_MS = 60_000;
const BATCH = 16;

/**
 * Works the webhook outbox on worker processes: wakes when the change feed says a delivery was written (or
 * every WEBHOOK_POLL_INTERVAL_MS for due retries), claims due deliveries and sends them, BATCH at a time.
 */
@Injectable()
export class WebhookDeliverer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliverer.name);
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  private unsubscribe?: () => void;

  constructor(
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
    @Inject(GenerationEventFeed) private readonly feed: GenerationEventFeed,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.jobs.runsWorkers) return;
    this.unsubscribe = this.feed.onOutbox(() => this.kick());
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
  }

  private kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      this.kicked = false;
      let claimed: string[] = [];
      try {
        claimed = await this.webhooks.claimDue(BATCH, LEASE_MS);
        await Promise.all(claimed.map((id) => this.webhooks.attempt(id)));
      } catch (error) {
        if (!this.stopping.signal.aborted)
          this.logger.warn(`webhook delivery round failed: ${(error as Error).message}`);
      }
      if (claimed.length === BATCH || this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.webhooks.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        if (this.kicked || this.stopping.signal.aborted) this.wake();
      });
    }
  }
}
