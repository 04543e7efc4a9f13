-- The worker claims a generation before storing its final result; cancelling a claimed generation is refused,
-- so cancel and finish cannot both win.
-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "storingAt" TIMESTAMP(3);
