import { DynamicModule, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { JOB_NAMES, type JobName } from './job-definitions.js';
import { JobQueue, type JobContext } from './job-queue.js';
import { JobQueueModule } from './job-queue.module.js';
import { ON_JOB, type OnJobMetadata } from './on-job.decorator.js';

export interface JobsModuleOptions {
  /** Jobs a worker process must have a handler for, or it refuses to start. Default: every job. */
  expectHandlersFor?: readonly JobName[];
}

const JOBS_MODULE_OPTIONS = Symbol('jobs-module-options');

/**
 * The job workers, imported once by the application's root: at start-up it registers every `@OnJob` method and,
 * in worker roles, starts the workers. Feature modules import JobQueueModule (the queue itself, which stops it
 * on shutdown), not this.
 */
@Module({})
export class JobsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');

  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: JobsModuleOptions,
  ) {}

  static forRoot(options: JobsModuleOptions = {}): DynamicModule {
    return {
      module: JobsModule,
      imports: [DiscoveryModule, JobQueueModule],
      providers: [{ provide: JOBS_MODULE_OPTIONS, useValue: options }],
      exports: [JobQueueModule],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const handled = this.registerDecoratedHandlers();
    try {
      await this.queue.startWorkers(this.options.expectHandlersFor ?? JOB_NAMES);
    } catch (error) {
      await this.queue.stop();
      throw error;
    }
    this.logger.log(
      this.queue.runsWorkers
        ? `role ${this.config.role}: workers started for ${handled.length ? handled.join(', ') : 'no jobs'}`
        : `role ${this.config.role}: sending only, no workers`,
    );
  }

  private registerDecoratedHandlers(): JobName[] {
    const names: JobName[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        const metadata = Reflect.getMetadata(ON_JOB, handler as object) as OnJobMetadata | undefined;
        if (!metadata) continue;
        const bound = (handler as (job: JobContext<JobName>) => Promise<void>).bind(instance);
        this.queue.work(metadata.name, bound, metadata.options);
        names.push(metadata.name);
      }
    }
    return names;
  }
}
