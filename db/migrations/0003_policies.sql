CREATE TABLE "policies" (
	"number" text PRIMARY KEY NOT NULL,
	"product" text NOT NULL,
	"starts_on" text NOT NULL,
	"ends_on" text NOT NULL,
	"holder_account_id" uuid,
	"matched_by" text,
	"holder_document_type" text,
	"holder_document_fingerprint" text,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_holder_account_id_accounts_id_fk" FOREIGN KEY ("holder_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policies_holder_idx" ON "policies" USING btree ("holder_account_id");--> statement-breakpoint
CREATE INDEX "policies_document_idx" ON "policies" USING btree ("holder_document_fingerprint");