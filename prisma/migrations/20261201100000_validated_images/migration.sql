-- Keys of images that passed upload validation (POST /uploads/images, or /uploads/images/complete after a
-- presigned PUT). Only these are accepted as a generation's source image.
-- CreateTable
CREATE TABLE "ValidatedImage" (
    "key" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ValidatedImage_pkey" PRIMARY KEY ("key")
);
