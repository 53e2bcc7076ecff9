CREATE TABLE "identity_cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"conversation_id" text NOT NULL,
	"status" text NOT NULL,
	"images" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"submitted_at" timestamp with time zone,
	"answer_by" timestamp with time zone,
	"reviewer" text,
	"reason" text,
	"requested_image" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_cases" ADD CONSTRAINT "identity_cases_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "identity_cases_account_idx" ON "identity_cases" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "identity_cases_status_idx" ON "identity_cases" USING btree ("status","submitted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_cases_one_open_idx" ON "identity_cases" USING btree ("account_id") WHERE status in ('draft', 'submitted', 'in_review', 'resubmission_requested');