-- Provider status polling moves from one job per generation to a batched poller: each SUBMITTED segment
-- carries the time it is next due.
-- AlterTable
ALTER TABLE "GenerationSegment" ADD COLUMN     "nextPollAt" TIMESTAMP(3),
ADD COLUMN     "pollAttempts" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "GenerationSegment_status_nextPollAt_idx" ON "GenerationSegment"("status", "nextPollAt");
