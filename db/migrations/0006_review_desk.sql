ALTER TABLE "identity_cases" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "identity_cases" ADD COLUMN "desk_ref" text;