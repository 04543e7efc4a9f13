-- Results can be fetched by variant and deleted: the finished video's last frame gets a key of its own, and a
-- deleted (or expired, RESULT_RETENTION_DAYS) generation is marked rather than removed, so its ledger entries stay.
-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "lastFrameKey" TEXT;

-- CreateIndex
CREATE INDEX "Generation_deletedAt_completedAt_idx" ON "Generation"("deletedAt", "completedAt");
