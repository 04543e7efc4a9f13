// What job-worker.process.ts and its parent (job-worker.ts) say to each other, and the tables it records in.

export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'started'; pid: number; jobId: string; generationId: string; attempt: number }
  | { type: 'sent'; ids: Array<string | null> }
  | { type: 'report'; attempts: JobAttemptRow[]; runs: JobRunRow[] };

export type WorkerCommand = { cmd: 'send'; generationIds: string[] } | { cmd: 'report' };

export interface JobAttemptRow {
  job_id: string;
  generation_id: string;
  pid: number;
  attempt: number;
}
export interface JobRunRow {
  job_id: string;
  generation_id: string;
  pid: number;
  attempt: number;
}

export const JOB_TABLES_SQL = `
  CREATE TABLE IF NOT EXISTS job_attempts (
    job_id TEXT NOT NULL, generation_id TEXT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL
  );
  -- A job that ran to completion twice would break these constraints.
  CREATE TABLE IF NOT EXISTS job_runs (
    job_id TEXT PRIMARY KEY, generation_id TEXT NOT NULL UNIQUE, pid INTEGER NOT NULL, attempt INTEGER NOT NULL
  );`;
