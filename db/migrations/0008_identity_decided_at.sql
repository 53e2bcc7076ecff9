ALTER TABLE "identity_cases" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
-- Cases decided before this column: their last change is when they were decided (nothing changes a decided case).
UPDATE "identity_cases" SET "decided_at" = "updated_at" WHERE "status" IN ('approved', 'rejected') AND "decided_at" IS NULL;
