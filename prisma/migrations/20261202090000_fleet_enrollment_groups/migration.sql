-- Fleets (issue 15): gateway groups, service groups, enrollment tokens.
-- AlterTable
ALTER TABLE "Gateway" ADD COLUMN     "enrollTokenId" TEXT,
ADD COLUMN     "enrolledAt" TIMESTAMP(3),
ADD COLUMN     "group" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "Service" ADD COLUMN     "groups" TEXT[] DEFAULT ARRAY['default']::TEXT[];

-- CreateTable
CREATE TABLE "EnrollToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "EnrollToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EnrollToken_tokenHash_key" ON "EnrollToken"("tokenHash");

-- CreateIndex
CREATE INDEX "Gateway_group_idx" ON "Gateway"("group");

-- AddForeignKey
ALTER TABLE "Gateway" ADD CONSTRAINT "Gateway_enrollTokenId_fkey" FOREIGN KEY ("enrollTokenId") REFERENCES "EnrollToken"("id") ON DELETE SET NULL ON UPDATE CASCADE;


