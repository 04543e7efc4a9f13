import { SetMetadata } from '@nestjs/common';
import type { JobName } from './job-definitions.js';
import type { WorkOptions } from './job-queue.js';

export const ON_JOB = Symbol('on-job');

export interface OnJobMetadata {
  name: JobName;
  options: WorkOptions;
}

/**
 * Marks a provider method as the handler of a job: `@OnJob(JobName.GenerationRun) run(job: JobContext<...>)`.
 * JobsModule registers every such method at start-up; worker processes then run them.
 */
export const OnJob = (name: JobName, options: WorkOptions = {}) =>
  SetMetadata<symbol, OnJobMetadata>(ON_JOB, { name, options });
