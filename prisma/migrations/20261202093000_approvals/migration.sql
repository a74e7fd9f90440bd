-- Approvals (issue 16): per-service approval policy and approval requests of releases.
-- CreateEnum
CREATE TYPE "ApprovalKind" AS ENUM ('step', 'promote');

-- CreateEnum
CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'USED', 'CANCELLED');

-- CreateTable
CREATE TABLE "ApprovalPolicy" (
    "serviceName" TEXT NOT NULL,
    "promotionNeedsApproval" BOOLEAN NOT NULL DEFAULT false,
    "stepsAbovePercent" INTEGER,
    "managersMayApprove" BOOLEAN NOT NULL DEFAULT false,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApprovalPolicy_pkey" PRIMARY KEY ("serviceName")
);

-- CreateTable
CREATE TABLE "ApprovalRequest" (
    "id" TEXT NOT NULL,
    "releaseId" TEXT NOT NULL,
    "serviceName" TEXT NOT NULL,
    "kind" "ApprovalKind" NOT NULL,
    "percent" INTEGER,
    "status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING',
    "requestedBy" TEXT NOT NULL,
    "requestedById" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedBy" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "comment" TEXT,

    CONSTRAINT "ApprovalRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ApprovalRequest_releaseId_status_idx" ON "ApprovalRequest"("releaseId", "status");


