-- Per-node samples for the portal's graphs (lib/metrics/sampler.ts).
CREATE TABLE "NodeSample" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "service" TEXT NOT NULL,
    "addr" TEXT NOT NULL,
    "seconds" DOUBLE PRECISION NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors5xx" INTEGER NOT NULL,
    "p95Ms" DOUBLE PRECISION,
    "bounds" DOUBLE PRECISION[],
    "buckets" INTEGER[],

    CONSTRAINT "NodeSample_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "NodeSample_service_at_idx" ON "NodeSample"("service", "at");

CREATE INDEX "NodeSample_at_idx" ON "NodeSample"("at");
