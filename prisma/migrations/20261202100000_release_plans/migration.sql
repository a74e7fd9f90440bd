-- Scheduled plans (issue 16): per-step dwell and pause/resume of a release.
ALTER TABLE "Release" ADD COLUMN "plan" JSONB;
ALTER TABLE "Release" ADD COLUMN "pausedAt" TIMESTAMP(3);
ALTER TABLE "Release" ADD COLUMN "pausedBy" TEXT;
