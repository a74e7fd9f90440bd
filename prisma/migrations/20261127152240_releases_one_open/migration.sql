-- AlterTable
ALTER TABLE "Gateway" ADD COLUMN     "proxyUrl" TEXT;

-- One open release per service. Prisma's schema language cannot express a partial
-- unique index, so it lives only here (the drift check ignores it).
CREATE UNIQUE INDEX "Release_one_open" ON "Release"("serviceId") WHERE "status" = 'OPEN';
