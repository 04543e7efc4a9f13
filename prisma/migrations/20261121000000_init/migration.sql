-- CreateEnum
CREATE TYPE "CreditEntryType" AS ENUM ('GRANT', 'RESERVE', 'CAPTURE', 'REFUND', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "GenerationKind" AS ENUM ('IMAGE_TO_VIDEO', 'TEXT_TO_VIDEO', 'EXTEND', 'CHAIN');

-- CreateEnum
CREATE TYPE "GenerationStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "SegmentStatus" AS ENUM ('PENDING', 'SUBMITTING', 'SUBMITTED', 'SUBMIT_AMBIGUOUS', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "CreditAccount" (
    "userId" TEXT NOT NULL,
    "balance" DECIMAL(14,1) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CreditAccount_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "CreditEntry" (
    "id" UUID NOT NULL,
    "userId" TEXT NOT NULL,
    "type" "CreditEntryType" NOT NULL,
    "amount" DECIMAL(14,1) NOT NULL,
    "balanceAfter" DECIMAL(14,1) NOT NULL,
    "reason" TEXT NOT NULL,
    "generationId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Generation" (
    "id" UUID NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" "GenerationKind" NOT NULL,
    "model" TEXT NOT NULL,
    "status" "GenerationStatus" NOT NULL DEFAULT 'QUEUED',
    "prompt" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "projectId" TEXT,
    "sourceImageKey" TEXT,
    "parentId" UUID,
    "idempotencyKey" TEXT,
    "requestHash" TEXT,
    "creditsReserved" DECIMAL(14,1) NOT NULL DEFAULT 0,
    "creditsCaptured" DECIMAL(14,1) NOT NULL DEFAULT 0,
    "creditsRefunded" DECIMAL(14,1) NOT NULL DEFAULT 0,
    "progress" INTEGER,
    "queuePosition" INTEGER,
    "errorCode" TEXT,
    "error" TEXT,
    "s3Key" TEXT,
    "thumbnailKey" TEXT,
    "durationSeconds" DECIMAL(10,3),
    "width" INTEGER,
    "height" INTEGER,
    "bytes" BIGINT,
    "deadlineAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "Generation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GenerationSegment" (
    "id" UUID NOT NULL,
    "generationId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "status" "SegmentStatus" NOT NULL DEFAULT 'PENDING',
    "prompt" TEXT NOT NULL,
    "durationSeconds" DECIMAL(10,3) NOT NULL,
    "trimToSeconds" DECIMAL(10,3),
    "provider" TEXT NOT NULL,
    "providerRef" JSONB,
    "progress" INTEGER,
    "queuePosition" INTEGER,
    "s3Key" TEXT,
    "lastFrameKey" TEXT,
    "errorCode" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "GenerationSegment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CreditEntry_userId_createdAt_id_idx" ON "CreditEntry"("userId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "CreditEntry_generationId_type_key" ON "CreditEntry"("generationId", "type");

-- CreateIndex
CREATE INDEX "Generation_userId_createdAt_id_idx" ON "Generation"("userId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Generation_status_deadlineAt_idx" ON "Generation"("status", "deadlineAt");

-- CreateIndex
CREATE UNIQUE INDEX "Generation_userId_idempotencyKey_key" ON "Generation"("userId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "GenerationSegment_generationId_index_key" ON "GenerationSegment"("generationId", "index");

-- AddForeignKey
ALTER TABLE "CreditEntry" ADD CONSTRAINT "CreditEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "CreditAccount"("userId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditEntry" ADD CONSTRAINT "CreditEntry_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GenerationSegment" ADD CONSTRAINT "GenerationSegment_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express CHECK constraints): the last line of defence against overdraft.
ALTER TABLE "CreditAccount" ADD CONSTRAINT "CreditAccount_balance_nonnegative" CHECK ("balance" >= 0);
